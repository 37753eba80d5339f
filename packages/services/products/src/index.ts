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
