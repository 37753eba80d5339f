/**
 * The catalog service's public surface: its `definition` for the platform, the client other
 * services use (order: `findVariants`; search: `listProducts`), its event types, and the demo
 * catalogue loader the `polyshop seed` command runs.
 */
export {
  definition,
  createProductsService,
  localProductsClient,
  type ProductsModule,
} from './products-module.ts';
export {
  ProductsHttpClient,
  type ProductsClient,
  type CatalogPage,
  type VariantSnapshot,
} from './products-client.ts';
export {
  PRODUCT_EVENT_TYPES,
  PRODUCTS_SOURCE,
  type ProductEvent,
  type ProductEventType,
} from './domain/products-events.ts';
export type { ProductDocument, VariantDocument, ProductStatus } from './domain/product.ts';
export type {
  Attributes,
  AttributeValue,
  Specifications,
  SpecificationValue,
} from './domain/attribute-values.ts';
export type { ProductsDeps } from './app/products-deps.ts';
export { loadCatalogue, ensureDemoCategories, type LoadCatalogueOptions } from './seed/load-catalogue.ts';
export { generateProduct, generateProducts } from './seed/generate-products.ts';
/**
 * The listing use case and the adapters behind it, for benchmarks whose anchors must run exactly the
 * statements and pipelines the service runs (they record them through a store of their own).
 */
export { searchProducts, searchProductsJson } from './app/read-products.ts';
export { PostgresProductRepository } from './adapters/postgres/postgres-product-repository.ts';
export { MongoProductRepository } from './adapters/mongodb/mongo-product-repository.ts';
/** The catalogue's two sides for the migration engine (`polyshop migrate-store products`), and the schema they need. */
export { PostgresCatalogSide } from './adapters/migration/postgres-catalog-side.ts';
export { MongoCatalogSide } from './adapters/migration/mongo-catalog-side.ts';
export { migrateCatalog } from './adapters/postgres/postgres-product-repository.ts';
