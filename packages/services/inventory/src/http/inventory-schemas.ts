import Type from 'typebox';
import {
  MAX_ITEM_QUANTITY,
  MAX_REASON_LENGTH,
  MAX_RESERVATION_ITEMS,
  MAX_STOCK_QUANTITY,
  MAX_TTL_SECONDS,
  MIN_TTL_SECONDS,
  RESERVATION_ID_PATTERN,
  SKU_PATTERN,
} from '../domain/limits.ts';
import { MAX_SHARDS } from '../domain/stock-shards.ts';

const Sku = Type.String({ pattern: SKU_PATTERN, examples: ['IP15P-128-NT'] });
const ReservationId = Type.String({
  pattern: RESERVATION_ID_PATTERN,
  examples: ['0193a3c0-8f4e-7a10-b2c4-1d2e3f405162'],
});
const Timestamp = Type.String({ format: 'date-time' });
const Reason = Type.String({ minLength: 1, maxLength: MAX_REASON_LENGTH });

export const SkuParams = Type.Object({ sku: Sku });
export const ReservationParams = Type.Object({ id: ReservationId });

export const StockSchema = Type.Object({
  sku: Type.String(),
  quantity: Type.Integer({ description: 'Units on hand.' }),
  reserved: Type.Integer({ description: 'Units held by active reservations.' }),
  available: Type.Integer({ description: 'quantity - reserved; never negative.' }),
  inStock: Type.Boolean(),
  version: Type.Integer({ description: 'Incremented by every change.' }),
  updatedAt: Timestamp,
});

export const StockListSchema = Type.Object({
  items: Type.Array(StockSchema),
  missing: Type.Array(Type.String(), { description: 'Requested SKUs inventory does not know.' }),
});

export const StockListQuery = Type.Object(
  {
    skus: Type.String({
      minLength: 1,
      description: 'Comma-separated SKUs, 1 to 100.',
      examples: ['A-1,B-2'],
    }),
  },
  { additionalProperties: false },
);

export const SetStockBody = Type.Object(
  {
    quantity: Type.Integer({
      minimum: 0,
      maximum: MAX_STOCK_QUANTITY,
      description: 'New on-hand quantity; not below the reserved units.',
    }),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);

export const AdjustStockBody = Type.Object(
  {
    delta: Type.Integer({
      minimum: -MAX_STOCK_QUANTITY,
      maximum: MAX_STOCK_QUANTITY,
      description: 'Units to add (or remove, negative); not 0.',
    }),
    reason: Reason,
  },
  { additionalProperties: false },
);

export const AdjustmentsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) },
  { additionalProperties: false },
);

export const AdjustmentListSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      sku: Type.String(),
      kind: Type.Union([Type.Literal('set'), Type.Literal('adjust'), Type.Literal('return')], {
        description:
          'set: quantity replaced; adjust: moved by a delta; return: a committed reservation put back.',
      }),
      delta: Type.Integer(),
      quantityAfter: Type.Integer(),
      reason: Type.String(),
      actor: Type.Optional(Type.String()),
      reservationId: Type.Optional(Type.String({ description: 'The returned reservation (kind return).' })),
      at: Timestamp,
    }),
  ),
});

const ReservationItem = Type.Object(
  { sku: Sku, quantity: Type.Integer({ minimum: 1, maximum: MAX_ITEM_QUANTITY }) },
  { additionalProperties: false },
);

export const ReserveBody = Type.Object(
  {
    reservationId: ReservationId,
    items: Type.Array(ReservationItem, {
      minItems: 1,
      maxItems: MAX_RESERVATION_ITEMS,
      description: 'Each SKU once.',
    }),
    ttlSeconds: Type.Integer({ minimum: MIN_TTL_SECONDS, maximum: MAX_TTL_SECONDS }),
  },
  { additionalProperties: false },
);

export const ReturnBody = Type.Object(
  {
    reason: Type.String({
      minLength: 1,
      maxLength: MAX_REASON_LENGTH,
      description: "Why the stock comes back (kept in each SKU's adjustment history).",
    }),
  },
  { additionalProperties: false },
);

export const ReservationSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([
    Type.Literal('active'),
    Type.Literal('committed'),
    Type.Literal('released'),
    Type.Literal('expired'),
    Type.Literal('returned'),
  ]),
  items: Type.Array(Type.Object({ sku: Type.String(), quantity: Type.Integer() })),
  ttlSeconds: Type.Integer(),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ReservationListSchema = Type.Object({ items: Type.Array(ReservationSchema) });

export const ShardingBody = Type.Object(
  {
    shards: Type.Integer({
      minimum: 1,
      maximum: MAX_SHARDS,
      description:
        'Counters to spread the SKU over: more for a hot SKU (each takes its own writes), 1 to fold it back into one.',
    }),
  },
  { additionalProperties: false },
);

export const ShardsSchema = Type.Object({
  sku: Type.String(),
  shards: Type.Integer({ description: 'Counters the stock is spread over (1: not sharded).' }),
  layout: Type.Array(
    Type.Object({
      shard: Type.Integer(),
      quantity: Type.Integer(),
      reserved: Type.Integer(),
      available: Type.Integer(),
    }),
    { description: "Each counter's share; they add up to the SKU's stock." },
  ),
});
