/**
 * The inventory service's public surface: its `definition` for the platform, the client the order
 * saga uses (`reserve` / `commit` / `release` / `returnReservation` / `getStock`), and its events
 * (`inventory.changed`, `inventory.low`).
 */
export { definition, createInventoryService, type InventoryModule } from './inventory-module.ts';
export {
  InventoryHttpClient,
  localInventoryClient,
  type InventoryClient,
  type ReservationResult,
} from './inventory-client.ts';
export type { ReservationView, StockView, AdjustmentView } from './app/inventory-views.ts';
export type {
  ReservationRequest,
  ReservationItem,
  ReservationStatus,
  StockShortage,
} from './domain/reservation.ts';
export type { AdjustmentKind } from './domain/stock-level.ts';
export {
  INVENTORY_EVENT_TYPES,
  INVENTORY_SOURCE,
  type InventoryChangedData,
  type InventoryChangedEvent,
  type InventoryEvent,
  type InventoryLowData,
  type InventoryLowEvent,
} from './domain/inventory-events.ts';
export { InventoryConfigSchema, type InventoryConfig } from './app/inventory-config.ts';
export { setStock, type SetStockCommand } from './app/set-stock.ts';
export type { InventoryDeps } from './app/inventory-deps.ts';
export { migrateInventory, PostgresInventorySide } from './adapters/migration/postgres-inventory-side.ts';
export { DynamoInventorySide } from './adapters/migration/dynamo-inventory-side.ts';
export { ensureInventoryTable } from './adapters/dynamodb/dynamo-inventory-table.ts';
export { MIGRATION_SERVICE as INVENTORY_MIGRATION_SERVICE } from './inventory-module.ts';
