import Type from 'typebox';
import { DecimalString, Int32 } from '@polyshop/http';
import { PAYMENT_REASON_CODES } from '../domain/payment.ts';
import { PAYMENT_METHODS, REGION_PATTERN } from '../domain/payment-request.ts';
import { PAYMENT_STATUSES } from '../domain/payment-status.ts';
import { REVENUE_GROUPS } from '../domain/revenue.ts';

const Currency = Type.String({ pattern: '^[A-Z]{3}$', examples: ['USD'], description: 'ISO 4217' });
const Time = Type.String({ format: 'date-time' });
const Status = Type.Enum(PAYMENT_STATUSES);

export const PaymentIdParams = Type.Object({
  id: Type.String({ format: 'uuid', description: 'payment id' }),
});

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description: 'Required. 1–255 visible ASCII characters, e.g. a UUID; the order saga uses the order id.',
    }),
  ),
});

export const CardBody = Type.Object(
  {
    number: Type.String({
      maxLength: 32,
      examples: ['4242424242424242'],
      description: 'Never stored or logged; only brand and last four are kept.',
    }),
    expMonth: Int32({ examples: [12] }),
    expYear: Int32({ examples: [2030] }),
    cvc: Type.String({ maxLength: 8, examples: ['123'] }),
  },
  { additionalProperties: false },
);

export const CreatePaymentBody = Type.Object(
  {
    orderId: Type.String({ format: 'uuid' }),
    amount: DecimalString({
      description: 'Decimal string in the currency, e.g. "21.59" (never a JSON number).',
    }),
    currency: Currency,
    method: Type.Enum(PAYMENT_METHODS),
    region: Type.String({ pattern: REGION_PATTERN, examples: ['eu'] }),
    card: Type.Optional(CardBody),
    token: Type.Optional(
      Type.String({
        maxLength: 80,
        examples: ['tok_visa'],
        description: 'Instead of card: a processor token.',
      }),
    ),
  },
  { additionalProperties: false, description: 'Exactly one of card and token.' },
);

export const RefundBody = Type.Object(
  {
    amount: DecimalString({ description: 'Decimal string in the payment currency.' }),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);

export const OrderQuery = Type.Object(
  { orderId: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const RevenueQuerystring = Type.Object(
  {
    from: Type.String({ examples: ['2026-01'], description: 'First month (YYYY-MM, UTC), included.' }),
    to: Type.String({ examples: ['2026-12'], description: 'Last month (YYYY-MM, UTC), included.' }),
    groupBy: Type.Optional(
      Type.String({
        examples: ['month,method,region'],
        description: `Comma-separated subset of ${REVENUE_GROUPS.join(', ')} (default month); currency is always a group.`,
      }),
    ),
  },
  { additionalProperties: false },
);

const paymentFields = {
  id: Type.String(),
  orderId: Type.String(),
  status: Status,
  amount: Type.String(),
  currency: Type.String(),
  method: Type.String(),
  region: Type.String(),
  card: Type.Optional(Type.Object({ brand: Type.String(), last4: Type.String() })),
  gatewayTransactionId: Type.Optional(Type.String()),
  reasonCode: Type.Optional(Type.Enum(PAYMENT_REASON_CODES)),
  capturedAmount: Type.String(),
  refundedAmount: Type.String(),
  refundableAmount: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  authorizedAt: Type.Optional(Time),
  capturedAt: Type.Optional(Time),
  voidedAt: Type.Optional(Time),
};

export const PaymentSchema = Type.Object(paymentFields);

const RefundSchema = Type.Object({
  id: Type.String(),
  amount: Type.String(),
  currency: Type.String(),
  reason: Type.String(),
  status: Type.Enum(['pending', 'succeeded', 'failed'] as const),
  createdAt: Time,
  settledAt: Type.Optional(Time),
});

const AuditEntrySchema = Type.Object({
  oldStatus: Type.Union([Status, Type.Null()]),
  newStatus: Status,
  reason: Type.String(),
  actor: Type.String(),
  ip: Type.Optional(Type.String()),
  createdAt: Time,
});

export const PaymentDetailsSchema = Type.Object({
  ...paymentFields,
  refunds: Type.Array(RefundSchema),
  auditTrail: Type.Array(AuditEntrySchema),
});

export const RefundResultSchema = Type.Object({ refund: RefundSchema, payment: PaymentSchema });

export const PaymentListSchema = Type.Array(PaymentSchema);

export const RevenueReportSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  groupBy: Type.Array(Type.Enum(REVENUE_GROUPS)),
  rows: Type.Array(
    Type.Object({
      month: Type.Optional(Type.String()),
      method: Type.Optional(Type.String()),
      region: Type.Optional(Type.String()),
      currency: Type.String(),
      captured: Type.String(),
      refunded: Type.String(),
      net: Type.String(),
    }),
  ),
});
