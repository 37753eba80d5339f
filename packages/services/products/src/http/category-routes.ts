import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ProblemSchema, type Authorizer } from '@polyshop/http';
import type { ProductsDeps } from '../app/products-deps.ts';
import { createCategory, getCategory, listCategories, updateCategory } from '../app/manage-categories.ts';
import { toCategoryView } from '../app/products-views.ts';
import { etagOf, ifMatchVersion } from './preconditions.ts';
import { CategoryBody, CategoryPatchBody, CategorySchema, SlugParams } from './products-schemas.ts';

/** `/products/categories`: categories and their attribute definitions (writes need products:write). */
export function categoryRoutes(deps: ProductsDeps, authorizer: Authorizer): FastifyPluginAsync {
  return async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const write = authorizer.authorize('products', 'write');
    const tags = ['products: categories'];
    const security = [{ bearerAuth: [] }];

    app.post(
      '/categories',
      {
        preValidation: write,
        schema: {
          tags,
          security,
          summary: 'Create a category with its attribute definitions',
          body: CategoryBody,
          response: { 201: CategorySchema, 409: ProblemSchema },
        },
      },
      async (request, reply) => {
        const category = await createCategory(deps, request.body);
        return reply
          .status(201)
          .header('etag', etagOf(category.version))
          .header('location', `/products/categories/${category.slug}`)
          .send(toCategoryView(category));
      },
    );

    app.get(
      '/categories',
      {
        schema: {
          tags,
          summary: 'Every category',
          response: { 200: Type.Object({ items: Type.Array(CategorySchema) }) },
        },
      },
      async () => ({
        items: (await listCategories(deps)).map(toCategoryView),
      }),
    );

    app.get(
      '/categories/:slug',
      { schema: { tags, summary: 'One category', params: SlugParams, response: { 200: CategorySchema } } },
      async (request, reply) => {
        const category = await getCategory(deps, request.params.slug);
        return reply.header('etag', etagOf(category.version)).send(toCategoryView(category));
      },
    );

    app.patch(
      '/categories/:slug',
      {
        preValidation: write,
        schema: {
          tags,
          security,
          summary:
            'Change a category: add attributes, widen values, rename (no migration, existing products stay valid)',
          description:
            'attributes / variantAttributes are merged by name. If-Match (optional) guards against concurrent changes.',
          params: SlugParams,
          body: CategoryPatchBody,
          response: { 200: CategorySchema, 409: ProblemSchema, 412: ProblemSchema },
        },
      },
      async (request, reply) => {
        const expected = ifMatchVersion(request.headers['if-match']);
        const category = await updateCategory(
          deps,
          request.params.slug,
          request.body,
          typeof expected === 'number' ? expected : undefined,
        );
        return reply.header('etag', etagOf(category.version)).send(toCategoryView(category));
      },
    );
  };
}
