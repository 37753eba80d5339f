import { Decimal as DecimalJs } from 'decimal.js';
import { AppError } from './errors.ts';

/**
 * Exact decimal arithmetic for money. One configured Decimal constructor: 40 significant digits is
 * far beyond any price, tax or report total, so intermediate results never round implicitly.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP });
export type Decimal = InstanceType<typeof Decimal>;

/**
 * The platform's single rounding rule: half away from zero to the currency's minor unit
 * (what receipts and tax authorities expect: 0.125 → 0.13, -0.125 → -0.13).
 */
export const MONEY_ROUNDING = DecimalJs.ROUND_HALF_UP;

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const minorDigitsCache = new Map<string, number>();

/** True for a current ISO 4217 alphabetic code ("USD", "EUR", "JPY"). */
export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && ISO_CURRENCIES.has(code);
}

/** Digits after the decimal point in the currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  const cached = minorDigitsCache.get(currency);
  if (cached !== undefined) return cached;
  const options = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
  const digits = options.maximumFractionDigits ?? 2;
  minorDigitsCache.set(currency, digits);
  return digits;
}

const DECIMAL_STRING = /^-?(0|[1-9]\d*)(\.\d+)?$/;

export interface MoneyJson {
  amount: string;
  currency: string;
}

/**
 * An exact amount in one ISO 4217 currency. Immutable. Arithmetic across currencies is an error.
 * Serialises as `{ amount: "21.59", currency: "USD" }`: the amount is always a decimal string with
 * the currency's minor digits, never a JSON number.
 */
export class Money {
  readonly amount: Decimal;
  readonly currency: string;

  private constructor(amount: Decimal, currency: string) {
    this.amount = amount;
    this.currency = currency;
  }

  /**
   * Builds money from a decimal string (or Decimal/integer). A JS float is refused on purpose:
   * `Money.of(0.1 + 0.2, ...)` is exactly the bug this type exists to prevent.
   */
  static of(amount: string | Decimal | bigint, currency: string, field = 'amount'): Money {
    if (!isCurrency(currency)) {
      throw AppError.invalidInput(
        'MONEY.INVALID_CURRENCY',
        `"${String(currency)}" is not an ISO 4217 currency code.`,
        {
          field: field === 'amount' ? 'currency' : `${field}.currency`,
        },
      );
    }
    let value: Decimal;
    if (typeof amount === 'string') {
      if (!DECIMAL_STRING.test(amount)) {
        throw AppError.invalidInput(
          'MONEY.INVALID_AMOUNT',
          `"${amount}" is not a decimal amount such as "21.59".`,
          { field },
        );
      }
      value = new Decimal(amount);
    } else if (typeof amount === 'bigint') {
      value = new Decimal(amount.toString());
    } else if (Decimal.isDecimal(amount)) {
      value = new Decimal(amount);
    } else {
      throw AppError.invalidInput('MONEY.INVALID_AMOUNT', 'Amounts must be decimal strings, never floats.', {
        field,
      });
    }
    return new Money(value, currency);
  }

  /**
   * Parses a client-supplied amount: a decimal string with no more fraction digits than the
   * currency's minor unit ("21.599" USD is refused rather than silently rounded).
   */
  static parse(amount: unknown, currency: unknown, field = 'amount'): Money {
    if (typeof amount !== 'string') {
      throw AppError.invalidInput(
        'MONEY.INVALID_AMOUNT',
        'Amounts must be decimal strings such as "21.59".',
        { field },
      );
    }
    const money = Money.of(amount, currency as string, field);
    if (money.amount.decimalPlaces() > minorDigits(money.currency)) {
      throw AppError.invalidInput(
        'MONEY.TOO_PRECISE',
        `${money.currency} amounts have at most ${minorDigits(money.currency)} decimal places.`,
        { field },
      );
    }
    return money;
  }

  static zero(currency: string): Money {
    return Money.of('0', currency);
  }

  /** Sum of a list; `currency` is needed because the list may be empty. */
  static sum(items: readonly Money[], currency: string): Money {
    return items.reduce((total, item) => total.add(item), Money.zero(currency));
  }

  add(other: Money): Money {
    this.#sameCurrency(other);
    return new Money(this.amount.plus(other.amount), this.currency);
  }

  subtract(other: Money): Money {
    this.#sameCurrency(other);
    return new Money(this.amount.minus(other.amount), this.currency);
  }

  /** Exact product (quantity, tax rate as a decimal string); call `round()` where a price is due. */
  multiply(factor: number | string | Decimal): Money {
    if (typeof factor === 'number' && !Number.isInteger(factor)) {
      throw new TypeError('Multiply money by an integer or a decimal string, never a float.');
    }
    return new Money(this.amount.times(new Decimal(factor)), this.currency);
  }

  /** Rounded to the currency's minor unit with the platform's rounding rule. */
  round(): Money {
    return new Money(this.amount.toDecimalPlaces(minorDigits(this.currency), MONEY_ROUNDING), this.currency);
  }

  compare(other: Money): -1 | 0 | 1 {
    this.#sameCurrency(other);
    return this.amount.comparedTo(other.amount) as -1 | 0 | 1;
  }
  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount.equals(other.amount);
  }
  greaterThan(other: Money): boolean {
    return this.compare(other) > 0;
  }
  lessThan(other: Money): boolean {
    return this.compare(other) < 0;
  }
  isZero(): boolean {
    return this.amount.isZero();
  }
  isNegative(): boolean {
    return this.amount.isNegative() && !this.amount.isZero();
  }
  isPositive(): boolean {
    return this.amount.greaterThan(0);
  }

  /** Decimal string with exactly the currency's minor digits ("21.59", "1000", "0.125" → "0.13"). */
  toDecimalString(): string {
    return this.amount.toFixed(minorDigits(this.currency), MONEY_ROUNDING);
  }

  /** Full-precision decimal string, for storage of unrounded intermediates. */
  toExactString(): string {
    return this.amount.toFixed();
  }

  toJSON(): MoneyJson {
    return { amount: this.toDecimalString(), currency: this.currency };
  }

  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  #sameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw AppError.conflict(
        'MONEY.CURRENCY_MISMATCH',
        `Cannot combine ${this.currency} with ${other.currency}.`,
      );
    }
  }
}
