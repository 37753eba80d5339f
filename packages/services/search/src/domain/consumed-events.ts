import type { InventoryChangedData, InventoryChangedEvent } from '@polyshop/inventory';
import type { ProductEventType } from '@polyshop/products';
import { AppError } from '@polyshop/kernel';

/**
 * The events search consumes (it emits none). Their types are the owners' (`@polyshop/products`,
 * `@polyshop/inventory`), imported as types only: a change there breaks this build. `product.*` (v1):
 * `data` is the whole product document after the change (`CatalogProduct` is the part search reads);
 * `product.archived` is sent when a change archives the product.
 */
export const PRODUCT_EVENT_TYPES = [
  'product.created',
  'product.updated',
  'product.archived',
] as const satisfies readonly ProductEventType[];

/** `inventory.changed` (v1, from inventory): one SKU's stock after a change. */
export const INVENTORY_CHANGED = 'inventory.changed' satisfies InventoryChangedEvent['type'];

/** What search reads of `inventory.changed`; `version` is absent in events sent before stock versions. */
type StockRead = Pick<InventoryChangedData, 'sku' | 'available'> &
  Partial<Pick<InventoryChangedData, 'version'>>;

/**
 * The SKU and available units of an `inventory.changed` event; throws `SEARCH.INVALID_STOCK_EVENT` when they
 * are missing.
 */
export function stockOf(data: unknown): StockRead {
  const { sku, available, version } = (data ?? {}) as Partial<StockRead>;
  if (typeof sku !== 'string' || sku === '') {
    throw AppError.invalidInput('SEARCH.INVALID_STOCK_EVENT', 'inventory.changed has no sku.', {
      field: 'sku',
    });
  }
  if (!Number.isSafeInteger(available)) {
    throw AppError.invalidInput('SEARCH.INVALID_STOCK_EVENT', 'inventory.changed has no integer available.', {
      field: 'available',
    });
  }
  if (version !== undefined && !Number.isSafeInteger(version)) {
    throw AppError.invalidInput(
      'SEARCH.INVALID_STOCK_EVENT',
      'inventory.changed has a non-integer version.',
      { field: 'version' },
    );
  }
  return version === undefined ? { sku, available: available! } : { sku, available: available!, version };
}
