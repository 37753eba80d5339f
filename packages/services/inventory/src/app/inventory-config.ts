import Type, { type Static } from 'typebox';

/** The inventory service's environment variables (validated at start-up by `loadConfig`). */
export const InventoryConfigSchema = Type.Object({
  /** How often the reaper returns the stock of expired reservations. */
  INVENTORY_REAPER_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000 }),
  /** `inventory.low` fires when a SKU's available units fall to this or below. */
  INVENTORY_LOW_STOCK_THRESHOLD: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 5 }),
  /** The DynamoDB table (when `INVENTORY_STORE=dynamodb` or the polyglot profile); created on start if missing. */
  INVENTORY_DYNAMODB_TABLE: Type.String({
    default: 'polyshop-inventory',
    pattern: '^[A-Za-z0-9_.-]{3,255}$',
  }),
});

export type InventoryConfig = Static<typeof InventoryConfigSchema>;
