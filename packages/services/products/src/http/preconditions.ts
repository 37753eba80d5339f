import { AppError } from '@polyshop/kernel';

/** The ETag of a versioned resource: its version as a strong entity tag (`"3"`). */
export function etagOf(version: number): string {
  return `"${version}"`;
}

/**
 * Reads If-Match: `"3"`, `W/"3"` or `3` give version 3, `*` gives `'any'`, absence `undefined`.
 * Anything else is a 400 on `If-Match`.
 */
export function ifMatchVersion(header: string | string[] | undefined): number | 'any' | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return 'any';
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  if (!match) {
    throw AppError.invalidInput('PRODUCT.INVALID_IF_MATCH', 'If-Match carries the ETag you read, e.g. "3".', {
      field: 'If-Match',
    });
  }
  return Number(match[1]);
}

/** If-Match for a write that must not be blind: 428 when it is missing. */
export function requiredIfMatch(header: string | string[] | undefined): number | 'any' {
  const version = ifMatchVersion(header);
  if (version === undefined) {
    throw new AppError(
      'precondition_required',
      'PRODUCT.IF_MATCH_REQUIRED',
      'Send If-Match with the ETag of the product you read, so a concurrent change is not overwritten.',
      {
        field: 'If-Match',
      },
    );
  }
  return version;
}

/**
 * Amounts are decimal strings. The HTTP layer coerces scalars to the schema's type, so a JSON
 * number would silently become a string: refuse it before validation instead.
 */
export function refuseNumericAmounts(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const { basePrice, variants } = body as { basePrice?: unknown; variants?: unknown };
  const numeric = (field: string) =>
    AppError.invalidInput(
      'MONEY.INVALID_AMOUNT',
      'Amounts are decimal strings such as "999.00", never JSON numbers.',
      { field },
    );
  if (typeof basePrice === 'number') throw numeric('basePrice');
  if (Array.isArray(variants)) {
    variants.forEach((variant: unknown, index) => {
      if (
        typeof variant === 'object' &&
        variant !== null &&
        typeof (variant as { price?: unknown }).price === 'number'
      )
        throw numeric(`variants.${index}.price`);
    });
  }
}
