import cardValidator from 'card-validator';
import { AppError } from '@polyshop/kernel';

/** Raw card data as a client sends it. Lives only in memory for one request; never stored or logged. */
export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** What polyshop keeps about a card: its brand and last four digits, nothing more (PCI DSS scope). */
export interface CardSummary {
  /** `visa`, `mastercard`, `american-express`, `discover`, … */
  brand: string;
  last4: string;
}

/** A validated card: the raw details for the gateway plus the summary that may be stored. */
export interface ValidatedCard extends CardSummary {
  details: CardDetails;
}

const TOKEN = /^tok_[A-Za-z0-9_]{1,64}$/;

/**
 * Checks a card the way a payment form does before anything reaches a processor: digits that pass
 * the Luhn check with a length valid for the brand, an expiry month 1–12, a four-digit year, an
 * expiry not in the past (cards expire at the end of their month, UTC), a CVC of the brand's size.
 * Errors are 400s naming the field (`card.number`, `card.expMonth`, `card.expYear`, `card.cvc`) and
 * never echo the number.
 */
export function validateCard(card: CardDetails, now: Date): ValidatedCard {
  const digits = typeof card.number === 'string' ? card.number.replace(/[ -]/g, '') : '';
  const verification = /^\d{12,19}$/.test(digits) ? cardValidator.number(digits) : undefined;
  if (!verification?.isValid || !verification.card) {
    throw AppError.invalidInput(
      'PAYMENT.INVALID_CARD_NUMBER',
      'The card number is not a valid card number.',
      {
        field: 'card.number',
      },
    );
  }
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) {
    throw AppError.invalidInput('PAYMENT.INVALID_CARD_EXPIRY', 'The expiry month must be 1 to 12.', {
      field: 'card.expMonth',
    });
  }
  const year = now.getUTCFullYear();
  if (!Number.isInteger(card.expYear) || card.expYear < 1000 || card.expYear > year + 50) {
    throw AppError.invalidInput('PAYMENT.INVALID_CARD_EXPIRY', 'The expiry year must be a four-digit year.', {
      field: 'card.expYear',
    });
  }
  if (card.expYear < year) {
    throw AppError.invalidInput('PAYMENT.INVALID_CARD_EXPIRY', 'The card has expired.', {
      field: 'card.expYear',
    });
  }
  if (card.expYear === year && card.expMonth < now.getUTCMonth() + 1) {
    throw AppError.invalidInput('PAYMENT.INVALID_CARD_EXPIRY', 'The card has expired.', {
      field: 'card.expMonth',
    });
  }
  const cvcSize = verification.card.code.size;
  if (typeof card.cvc !== 'string' || !new RegExp(`^\\d{${cvcSize}}$`).test(card.cvc)) {
    throw AppError.invalidInput('PAYMENT.INVALID_CVC', `The security code must be ${cvcSize} digits.`, {
      field: 'card.cvc',
    });
  }
  return {
    brand: verification.card.type,
    last4: digits.slice(-4),
    details: { number: digits, expMonth: card.expMonth, expYear: card.expYear, cvc: card.cvc },
  };
}

/** Checks the shape of a processor token (`tok_visa`); whether it exists is the gateway's answer. */
export function validateToken(token: string): string {
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    throw AppError.invalidInput('PAYMENT.INVALID_TOKEN', 'A token looks like "tok_visa".', {
      field: 'token',
    });
  }
  return token;
}
