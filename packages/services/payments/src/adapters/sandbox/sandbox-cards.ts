import type { CardSummary } from '../../domain/card.ts';
import type { DeclineReason } from '../../domain/payment.ts';

/** What a test card or token makes the sandbox answer. */
export type SandboxOutcome = 'approved' | DeclineReason;

/**
 * The sandbox's documented test card numbers (the ones card processors publish for test mode).
 * Any other number that passes validation is approved.
 */
export const SANDBOX_CARDS: Readonly<Record<string, SandboxOutcome>> = {
  '4242424242424242': 'approved',
  '4000056655665556': 'approved',
  '5555555555554444': 'approved',
  '2223003122003222': 'approved',
  '378282246310005': 'approved',
  '6011111111111117': 'approved',
  '4000000000000002': 'declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
  '4000000000000119': 'processing_error',
};

/** Test tokens, as a hosted card form or wallet would hand them over; unknown tokens are refused (400). */
export const SANDBOX_TOKENS: Readonly<Record<string, { outcome: SandboxOutcome; card: CardSummary }>> = {
  tok_visa: { outcome: 'approved', card: { brand: 'visa', last4: '4242' } },
  tok_visa_debit: { outcome: 'approved', card: { brand: 'visa', last4: '5556' } },
  tok_mastercard: { outcome: 'approved', card: { brand: 'mastercard', last4: '4444' } },
  tok_amex: { outcome: 'approved', card: { brand: 'american-express', last4: '0005' } },
  tok_chargeDeclined: { outcome: 'declined', card: { brand: 'visa', last4: '0002' } },
  tok_chargeDeclinedInsufficientFunds: {
    outcome: 'insufficient_funds',
    card: { brand: 'visa', last4: '9995' },
  },
  tok_chargeDeclinedExpiredCard: { outcome: 'expired_card', card: { brand: 'visa', last4: '0069' } },
  tok_chargeDeclinedProcessingError: { outcome: 'processing_error', card: { brand: 'visa', last4: '0119' } },
};
