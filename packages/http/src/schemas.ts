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
