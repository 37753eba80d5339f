import type { SqlExecutor } from '@polyshop/stores';
import type { Product } from '../../domain/product.ts';
import { SCHEMA, variantRecords } from './catalog-rows.ts';

/** Inserts one `catalog.product_variants` row per variant of these products, in one statement. */
export async function insertVariants(tx: SqlExecutor, products: readonly Product[]): Promise<void> {
  await tx.query(
    `INSERT INTO ${SCHEMA}.product_variants (sku, product_id, price)
     SELECT sku, product_id, price FROM jsonb_to_recordset($1::jsonb) AS r(sku text, product_id uuid, price numeric)`,
    [JSON.stringify(products.flatMap(variantRecords))],
  );
}
