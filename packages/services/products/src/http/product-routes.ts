import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { NoContent, ProblemSchema, type Authorizer } from '@polyshop/http';
import type { ProductsDeps } from '../app/products-deps.ts';
import { findVariants, searchProductsJson, type ProductListing } from '../app/read-products.ts';
import { archiveProduct, createProduct, getProduct, updateProduct } from '../app/write-products.ts';
import { toProductDocument } from '../domain/product.ts';
import { etagOf, ifMatchVersion, refuseNumericAmounts, requiredIfMatch } from './preconditions.ts';
import {
  IdParams,
  ListingQuery,
  ProductBody,
  ProductListingSchema,
  ProductPatchBody,
  ProductSchema,
  VariantLookupBody,
  VariantSnapshotSchema,
} from './products-schemas.ts';

/**
 * `/products`: create, read, patch (If-Match), archive, and the filtered, faceted listing. Writes
 * need products:write; reads are public for every status (the listing shows `active` unless asked).
 */
export function productRoutes(deps: ProductsDeps, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const write = authorizer.authorize('products', 'write');
    const tags = ['products'];
    const security = [{ bearerAuth: [] }];
    const noNumbers = async (request: { body: unknown }) => refuseNumericAmounts(request.body);
    // Guard before validation, so an anonymous caller learns nothing about the body's problems.
    const guardedWrite = [write, noNumbers];

    app.post(
      '/',
      {
        preValidation: guardedWrite,
        schema: {
          tags,
          security,
          summary: 'Create a product (validated against its category)',
          body: ProductBody,
          response: { 201: ProductSchema, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        const product = await createProduct(deps, request.body);
        return reply
          .status(201)
          .header('etag', etagOf(product.version))
          .header('location', `/products/${product.id}`)
          .send(toProductDocument(product));
      },
    );

    app.get(
      '/',
      {
        schema: {
          tags,
          summary: 'Filter, sort and page products, with facet counts',
          description:
            'Also takes attr.<name>=v1,v2 (filterable attributes of ?category=, any of the values) and spec.<dotted.path>=value ' +
            "(exact; repeat the parameter for alternatives). Facets count the category's facet attributes over the filtered set, " +
            'each ignoring its own filter. Pages are keyset cursors: stable under concurrent inserts. Answers may come ' +
            "from the instance's read cache (dropped on every product write); `Cache-Control: no-cache` asks the store.",
          querystring: ListingQuery,
          response: { 200: ProductListingSchema },
        },
      },
      async (request, reply) => {
        // the listing's JSON text (products rendered by the store), so a hit or a miss serializes nothing
        const search = () => searchProductsJson(deps, request.query);
        // `Cache-Control: no-cache` asks for an answer from the store (HTTP's meaning); it is not kept
        const fresh = /\bno-cache\b/i.test(request.headers['cache-control'] ?? '');
        const body =
          deps.listingCache && !fresh ? await deps.listingCache.read(request.url, search) : await search();
        // a string body goes out as it is (already the schema's JSON), not serialized again
        return reply.type('application/json; charset=utf-8').send(body as unknown as ProductListing);
      },
    );

    app.post(
      '/variants/lookup',
      {
        schema: {
          tags,
          summary: 'Snapshots of variants by SKU (unknown SKUs are absent): what an order copies',
          body: VariantLookupBody,
          response: { 200: Type.Object({ items: Type.Array(VariantSnapshotSchema) }) },
        },
      },
      async (request) => ({ items: await findVariants(deps, request.body.skus) }),
    );

    app.get(
      '/:id',
      {
        schema: {
          tags,
          summary: 'One product, whatever its status',
          params: IdParams,
          response: { 200: ProductSchema },
        },
      },
      async (request, reply) => {
        const product = await getProduct(deps, request.params.id);
        return reply.header('etag', etagOf(product.version)).send(toProductDocument(product));
      },
    );

    app.patch(
      '/:id',
      {
        preValidation: guardedWrite,
        schema: {
          tags,
          security,
          summary: 'Change a product (If-Match required: 428 without it, 412 when stale)',
          description:
            'Fields replace; attributes and specifications are JSON merge patches (null removes a key); variants replaces the list.',
          params: IdParams,
          body: ProductPatchBody,
          response: { 200: ProductSchema, 409: ProblemSchema, 412: ProblemSchema, 428: ProblemSchema },
        },
      },
      async (request, reply) => {
        const expected = requiredIfMatch(request.headers['if-match']);
        const product = await updateProduct(deps, request.params.id, request.body, expected);
        return reply.header('etag', etagOf(product.version)).send(toProductDocument(product));
      },
    );

    app.delete(
      '/:id',
      {
        preValidation: write,
        schema: {
          tags,
          security,
          summary: 'Archive a product (kept for order history; If-Match optional)',
          params: IdParams,
          response: { 204: NoContent, 412: ProblemSchema },
        },
      },
      async (request, reply) => {
        const expected = ifMatchVersion(request.headers['if-match']);
        const product = await archiveProduct(
          deps,
          request.params.id,
          typeof expected === 'number' ? expected : undefined,
        );
        return reply.header('etag', etagOf(product.version)).status(204).send();
      },
    );
  };
}
