import { AppError } from '@polyshop/kernel';

/**
 * The events search consumes (it emits none). `product.*` (v1, from the catalog): `data` is the
 * whole product document after the change (`CatalogProduct` is the part search reads);
 * `product.archived` is sent when a change archives the product.
 */
export const PRODUCT_EVENT_TYPES = ['product.created', 'product.updated', 'product.archived'] as const;

/** `inventory.changed` (v1, from inventory): one SKU's stock after a change. */
export const INVENTORY_CHANGED = 'inventory.changed';

/** `inventory.changed` data (search reads `sku` and `available`). */
export interface InventoryChangedData {
  sku: string;
  quantity: number;
  reserved: number;
  available: number;
  /** `available > 0`. */
  inStock: boolean;
  /** The SKU's stock version after the change (older events are ignored); absent in early events. */
  version?: number;
}

/**
 * The SKU and available units of an `inventory.changed` event; throws `SEARCH.INVALID_STOCK_EVENT` when they
 * are missing.
 */
export function stockOf(data: unknown): { sku: string; available: number; version?: number } {
  const { sku, available, version } = (data ?? {}) as Partial<InventoryChangedData>;
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
