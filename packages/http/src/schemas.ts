import Type from 'typebox';

/** Problem details as documented in OpenAPI responses. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    instance: Type.Optional(Type.String()),
    field: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', additionalProperties: true },
);

/** A money amount on the wire: always a decimal string. */
export const MoneySchema = Type.Object({
  amount: Type.String({ pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$', examples: ['21.59'] }),
  currency: Type.String({ pattern: '^[A-Z]{3}$', examples: ['USD'] }),
});

export const DecimalString = (options: { description?: string } = {}) =>
  Type.String({ pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$', examples: ['21.59'], ...options });

type IntegerOptions = Parameters<typeof Type.Integer>[0];

/** The largest value of PostgreSQL's `integer`; `bigint` values on the wire stop at 2^53 − 1. */
export const INT32_MAX = 2_147_483_647;

/**
 * An integer a PostgreSQL `integer` column holds (−2^31 to 2^31 − 1): every request integer is bounded
 * by the column it reaches, so an out-of-range number is a 400 naming it, not a store error. `minimum`
 * and `maximum` narrow it further.
 */
export const Int32 = (options: IntegerOptions = {}) =>
  Type.Integer({ minimum: -INT32_MAX - 1, maximum: INT32_MAX, ...options });

/** An integer a `bigint` column holds that a JSON number carries exactly (±(2^53 − 1)). */
export const Int53 = (options: IntegerOptions = {}) =>
  Type.Integer({ minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER, ...options });

/**
 * An RFC 3339 date-time PostgreSQL stores: a real day, an offset within ±15:59, years 1 to 9999. Every
 * `format: 'date-time'` of a request is checked so (request-validation.ts); this names it in schemas.
 */
export const PgTimestamp = (options: { description?: string } = {}) =>
  Type.String({ format: 'date-time', examples: ['2026-01-31T12:00:00Z'], ...options });
