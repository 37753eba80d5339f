import Type from 'typebox';
import { DecimalString, Int32 } from '@polyshop/http';
import { SAGA_STATES } from '../domain/checkout-saga.ts';
import {
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  PAYMENT_METHODS,
  SKU_PATTERN,
} from '../domain/checkout-request.ts';
import { ORDER_STATUSES } from '../domain/order.ts';
import { MAX_SAGA_LIST_LIMIT, SAGA_LISTINGS } from '../app/parked-sagas.ts';

const Time = Type.String({ format: 'date-time' });
const Text = (maxLength: number, minLength = 1) => Type.String({ minLength, maxLength });

export const OrderIdParams = Type.Object({ id: Type.String({ description: 'order id (UUID)' }) });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      description:
        'Required: 1–255 visible ASCII characters (e.g. a UUID). The same key again returns the same order.',
    }),
  ),
});

export const ShippingAddressSchema = Type.Object(
  {
    name: Text(200),
    line1: Text(200),
    line2: Type.Optional(Text(200, 0)),
    city: Text(100),
    postalCode: Text(20),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2', examples: ['US'] }),
    region: Type.String({
      maxLength: 16,
      description: 'Selects currency, tax and shipping (configured regions, e.g. US, EU, UK).',
      examples: ['US'],
    }),
  },
  { additionalProperties: false },
);

export const CheckoutBody = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          sku: Type.String({ maxLength: 64, pattern: SKU_PATTERN }),
          quantity: Int32({ description: `1 to ${MAX_LINE_QUANTITY}` }),
        },
        { additionalProperties: false },
      ),
      {
        description: `1 to ${MAX_ORDER_LINES} lines, each SKU once. Prices come from the catalogue, never from the client.`,
      },
    ),
    shippingAddress: ShippingAddressSchema,
    payment: Type.Object(
      {
        method: Type.String({ description: PAYMENT_METHODS.join(' | '), examples: ['card'] }),
        card: Type.Optional(
          Type.Object(
            {
              number: Type.String({ minLength: 12, maxLength: 23, examples: ['4242424242424242'] }),
              expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
              expYear: Type.Integer({ minimum: 1000, maximum: 9999 }),
              cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
            },
            { additionalProperties: false },
          ),
        ),
        token: Type.Optional(Type.String({ minLength: 1, maxLength: 100, examples: ['tok_visa'] })),
      },
      {
        additionalProperties: false,
        description: 'Exactly one of card and token. Card data is never stored.',
      },
    ),
  },
  { additionalProperties: false },
);

export const CancelBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
  Type.Null(),
]);

export const ListOrdersQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ description: ORDER_STATUSES.join(' | ') })),
    from: Type.Optional(Type.String({ description: 'created at or after (ISO 8601)' })),
    to: Type.Optional(Type.String({ description: 'created before (ISO 8601)' })),
    userId: Type.Optional(
      Type.String({ description: "one customer's orders (needs orders:read unless your own)" }),
    ),
    orderNumber: Type.Optional(
      Type.String({ maxLength: 40, description: 'the order with this number', examples: ['ORD-100042'] }),
    ),
    email: Type.Optional(
      Type.String({
        maxLength: 254,
        description: 'orders of the customer with this email (case-insensitive)',
      }),
    ),
    limit: Type.Optional(Int32({ description: '1–200, default 50' })),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

const OrderItemSchema = Type.Object({
  sku: Type.String(),
  productId: Type.String(),
  name: Type.String(),
  quantity: Type.Integer(),
  unitPrice: DecimalString(),
  lineTotal: DecimalString(),
});

export const OrderSchema = Type.Object({
  id: Type.String(),
  orderNumber: Type.String({ examples: ['ORD-100042'] }),
  userId: Type.String(),
  customer: Type.Object({ email: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }),
  status: Type.Enum(ORDER_STATUSES),
  reasonCode: Type.Optional(
    Type.String({
      description: 'why it failed or was cancelled',
      examples: ['INVENTORY.INSUFFICIENT_STOCK'],
    }),
  ),
  failure: Type.Optional(
    Type.Object({
      reasonCode: Type.String(),
      message: Type.Optional(Type.String()),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  currency: Type.String(),
  items: Type.Array(OrderItemSchema),
  subtotal: DecimalString(),
  tax: DecimalString(),
  shipping: DecimalString(),
  total: DecimalString(),
  shippingAddress: ShippingAddressSchema,
  region: Type.String(),
  paymentMethod: Type.String(),
  paymentId: Type.Optional(Type.String()),
  saga: Type.Object({
    state: Type.Enum(SAGA_STATES),
    attempts: Type.Integer(),
    nextAttemptAt: Type.Optional(Time),
    needsAttention: Type.Optional(
      Type.Object(
        {
          since: Time,
          reasonCode: Type.String({ examples: ['PAYMENT.GATEWAY_REJECTED'] }),
          message: Type.Optional(Type.String()),
        },
        {
          description:
            'Present while the saga is parked: it could not progress after ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS ' +
            'attempts and waits for an admin to replay it (POST /orders/admin/sagas/{id}/replay).',
        },
      ),
    ),
  }),
  createdAt: Time,
  updatedAt: Time,
});

export const SagaListQuery = Type.Object(
  {
    state: Type.Optional(
      Type.Enum(SAGA_LISTINGS, {
        default: 'needs_attention',
        description:
          'needs_attention: sagas that stopped retrying after ORDERS_SAGA_ATTENTION_AFTER_ATTEMPTS attempts',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_SAGA_LIST_LIMIT,
        default: 100,
        description: 'at most this many',
      }),
    ),
  },
  { additionalProperties: false },
);

export const SagaListSchema = Type.Object({
  items: Type.Array(OrderSchema, { description: 'the orders whose saga is parked, longest parked first' }),
});

export const OrderListSchema = Type.Object({
  items: Type.Array(OrderSchema),
  nextCursor: Type.Optional(Type.String()),
});

/** One change of an order's saga. */
export const SagaStepSchema = Type.Object({
  at: Time,
  kind: Type.Union(
    [Type.Literal('state'), Type.Literal('retry'), Type.Literal('parked'), Type.Literal('resumed')],
    {
      description:
        'state: the saga moved from → to; retry: a step failed for now (attempt, due at nextAttemptAt); parked: it stopped retrying; resumed: an admin replayed it',
    },
  ),
  from: Type.Optional(Type.Enum(SAGA_STATES)),
  to: Type.Enum(SAGA_STATES),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Optional(Time),
  reasonCode: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

export const SagaTimelineSchema = Type.Object({
  orderId: Type.String(),
  orderNumber: Type.String(),
  state: Type.Enum(SAGA_STATES, { description: 'where the saga stands now' }),
  steps: Type.Array(SagaStepSchema, { description: 'oldest first' }),
});
