import type { CatalogVariant } from '../domain/order-lines.ts';

/** The product catalogue as the order service needs it: current prices and status of variants. */
export interface ProductCatalog {
  /** The variants with these SKUs; unknown SKUs are left out. */
  findVariants(skus: readonly string[]): Promise<CatalogVariant[]>;
}
