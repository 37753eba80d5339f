import { AppError, Decimal, isCurrency, Money } from '@polyshop/kernel';

/**
 * How orders shipped to one region are priced: the currency they are paid in, the tax rate applied
 * to the subtotal, and a flat shipping charge (waived from `freeShippingFrom`, when set).
 */
export interface RegionPricing {
  /** The region code clients send in `shippingAddress.region` (`US`, `EU`, `UK`). */
  code: string;
  currency: string;
  /** A decimal fraction as a string: `"0.0825"` is 8.25 %. */
  taxRate: string;
  shipping: Money;
  /** Subtotals at or above this ship free. */
  freeShippingFrom?: Money;
}

/** A region's pricing as written in configuration (`ORDERS_REGIONS`), amounts as decimal strings. */
export interface RegionPricingInput {
  currency: string;
  taxRate: string;
  shipping: string;
  freeShippingFrom?: string;
}

/** A region code: 2–16 upper-case letters, digits, `-` or `_` (also a valid payment region label). */
export const REGION_CODE_PATTERN = '^[A-Z][A-Z0-9_-]{1,15}$';
const REGION_CODE = new RegExp(REGION_CODE_PATTERN);
const RATE = /^(0|[1-9]\d*)(\.\d{1,6})?$/;

/** The regions a fresh install sells to; `ORDERS_REGIONS` replaces them. */
export const DEFAULT_REGIONS: Record<string, RegionPricingInput> = {
  US: { currency: 'USD', taxRate: '0.0825', shipping: '5.00', freeShippingFrom: '100.00' },
  EU: { currency: 'EUR', taxRate: '0.21', shipping: '4.90', freeShippingFrom: '100.00' },
  UK: { currency: 'GBP', taxRate: '0.20', shipping: '3.99', freeShippingFrom: '80.00' },
};

/**
 * Validates region pricing from configuration. Throws an Error naming the region and field at fault
 * (configuration errors stop start-up; they are never a client's fault).
 */
export function parseRegions(input: Record<string, RegionPricingInput>): Map<string, RegionPricing> {
  const regions = new Map<string, RegionPricing>();
  if (typeof input !== 'object' || input === null || Object.keys(input).length === 0) {
    throw new Error('ORDERS_REGIONS must be a JSON object with at least one region.');
  }
  for (const [code, region] of Object.entries(input)) {
    const at = (field: string) => `ORDERS_REGIONS.${code}.${field}`;
    if (!REGION_CODE.test(code))
      throw new Error(`ORDERS_REGIONS: "${code}" is not a region code (${REGION_CODE_PATTERN}).`);
    if (!isCurrency(region?.currency)) throw new Error(`${at('currency')} must be an ISO 4217 code.`);
    if (
      typeof region.taxRate !== 'string' ||
      !RATE.test(region.taxRate) ||
      new Decimal(region.taxRate).greaterThan(1)
    ) {
      throw new Error(`${at('taxRate')} must be a decimal string from "0" to "1" (e.g. "0.0825").`);
    }
    const shipping = parseAmount(region.shipping, region.currency, at('shipping'));
    const pricing: RegionPricing = { code, currency: region.currency, taxRate: region.taxRate, shipping };
    if (region.freeShippingFrom !== undefined) {
      pricing.freeShippingFrom = parseAmount(
        region.freeShippingFrom,
        region.currency,
        at('freeShippingFrom'),
      );
    }
    regions.set(code, pricing);
  }
  return regions;
}

function parseAmount(value: unknown, currency: string, name: string): Money {
  try {
    const money = Money.parse(value, currency, name);
    if (money.isNegative()) throw new Error('negative');
    return money;
  } catch {
    throw new Error(`${name} must be a non-negative decimal string in ${currency} (e.g. "5.00").`);
  }
}

/** The pricing of a region a client asked for; 400 `ORDERS.UNSUPPORTED_REGION` when it is not sold to. */
export function requireRegion(
  regions: ReadonlyMap<string, RegionPricing>,
  code: string,
  field: string,
): RegionPricing {
  const region = regions.get(code);
  if (!region) {
    throw AppError.invalidInput(
      'ORDERS.UNSUPPORTED_REGION',
      `We do not ship to region "${code}"; supported: ${[...regions.keys()].join(', ')}.`,
      { field },
    );
  }
  return region;
}
