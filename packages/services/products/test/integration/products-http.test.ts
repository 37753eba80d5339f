import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEnvelope } from '@polyshop/kernel';
import { createTestPlatform, userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import { ProductsHttpClient, type ProductsClient } from '../../src/products-client.ts';
import { productStoreTargets } from './product-store-targets.ts';

const phones = {
  slug: 'phones',
  name: 'Phones',
  attributes: [
    { name: 'storage', type: 'list', values: ['128GB', '256GB', '512GB'], required: true, facet: true },
    { name: 'colors', type: 'list', facet: true },
    { name: 'secretCode', type: 'string' },
  ],
  variantAttributes: [
    { name: 'storage', type: 'enum', values: ['128GB', '256GB', '512GB'], required: true },
    { name: 'color', type: 'string' },
  ],
};

let counter = 0;
function aPhone(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    name: `Phone ${counter}`,
    category: 'phones',
    brand: 'Apple',
    currency: 'USD',
    basePrice: '999.00',
    status: 'active',
    attributes: { storage: ['256GB', '512GB'], colors: ['Blue Titanium'] },
    variants: [
      {
        sku: `PH-${counter}-256`,
        attributes: { storage: '256GB', color: 'Blue Titanium' },
        price: '299.00',
        weight: '187g',
      },
      {
        sku: `PH-${counter}-512`,
        attributes: { storage: '512GB', color: 'Blue Titanium' },
        price: '1199.99',
      },
    ],
    specifications: { camera: { main: '48MP' } },
    ...overrides,
  };
}

for (const store of productStoreTargets()) {
  describe(`products over HTTP on ${store.name}`, { skip: store.skip }, () => {
    let platform: TestPlatform;
    let writer: string;
    let reader: string;
    const events: EventEnvelope[] = [];

    const call = (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      options: { body?: object; token?: string; headers?: Record<string, string> } = {},
    ) =>
      platform.app.inject({
        method,
        url,
        ...(options.body ? { payload: options.body } : {}),
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
      });
    const expectProblem = (
      response: Awaited<ReturnType<typeof call>>,
      status: number,
      code: string,
      field?: string,
    ) => {
      assert.equal(response.statusCode, status, response.body);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      const problem = response.json();
      assert.equal(problem.code, code);
      if (field !== undefined) assert.equal(problem.field, field);
    };

    before(async () => {
      platform = await createTestPlatform({
        target: store.target,
        services: ['users', 'products'],
        env: store.env(),
      });
      await platform.bus.subscribe({
        consumer: 'test.products',
        types: ['product.created', 'product.updated', 'product.archived'],
        handler: async (event) => void events.push(event),
      });
      writer = (await userWithPermissions(platform, ['products:write'])).token;
      reader = (await userWithPermissions(platform, [])).token;
      const created = await call('POST', '/products/categories', { token: writer, body: phones });
      assert.equal(created.statusCode, 201, created.body);
    });
    after(async () => {
      await platform?.dispose();
      await store.dispose();
    });

    it('guards writes: 401 without a token, 403 without products:write; reads are public', async () => {
      expectProblem(
        await call('POST', '/products/categories', { body: { ...phones, slug: 'other' } }),
        401,
        'AUTH.TOKEN_MISSING',
      );
      expectProblem(
        await call('POST', '/products', { token: reader, body: aPhone() }),
        403,
        'AUTH.FORBIDDEN',
      );
      expectProblem(await call('POST', '/products', { body: { basePrice: 1 } }), 401, 'AUTH.TOKEN_MISSING');
      expectProblem(
        await call('PATCH', '/products/not-a-uuid', { token: reader, body: {} }),
        403,
        'AUTH.FORBIDDEN',
      );
      const list = await call('GET', '/products/categories');
      assert.equal(list.statusCode, 200);
      assert.deepEqual(
        list.json().items.map((c: { slug: string }) => c.slug),
        ['phones'],
      );
    });

    it('documents its routes in the OpenAPI document', async () => {
      const doc = (await call('GET', '/docs/json')).json();
      for (const path of [
        '/products/',
        '/products/{id}',
        '/products/categories',
        '/products/categories/{slug}',
        '/products/variants/lookup',
      ]) {
        assert.ok(doc.paths[path], `${path} documented`);
      }
      assert.ok(
        doc.paths['/products/'].post.requestBody.content['application/json'].schema.properties.basePrice,
      );
    });

    it('creates a product: 201 with id, version and ETag; GET returns the same document', async () => {
      const response = await call('POST', '/products', { token: writer, body: aPhone() });
      assert.equal(response.statusCode, 201, response.body);
      const product = response.json();
      assert.match(product.id, /^[0-9a-f-]{36}$/);
      assert.equal(product.version, 1);
      assert.equal(response.headers.etag, '"1"');
      assert.equal(response.headers.location, `/products/${product.id}`);
      assert.deepEqual(
        product.variants.map((v: { price: string }) => v.price),
        ['299.00', '1199.99'],
      );
      const read = await call('GET', `/products/${product.id}`);
      assert.equal(read.statusCode, 200);
      assert.equal(read.headers.etag, '"1"');
      assert.deepEqual(read.json(), product);
    });

    it('answers bad product input with 400 naming the field', async () => {
      expectProblem(
        await call('POST', '/products', { token: writer, body: aPhone({ category: 'spaceships' }) }),
        400,
        'PRODUCT.UNKNOWN_CATEGORY',
        'category',
      );
      expectProblem(
        await call('POST', '/products', {
          token: writer,
          body: aPhone({ attributes: { storage: ['256GB'], wheels: 4 } }),
        }),
        400,
        'PRODUCT.UNKNOWN_ATTRIBUTE',
        'attributes.wheels',
      );
      expectProblem(
        await call('POST', '/products', { token: writer, body: aPhone({ basePrice: 999.5 }) }),
        400,
        'MONEY.INVALID_AMOUNT',
        'basePrice',
      );
      expectProblem(
        await call('POST', '/products', { token: writer, body: aPhone({ basePrice: '999.999' }) }),
        400,
        'MONEY.TOO_PRECISE',
        'basePrice',
      );
      expectProblem(
        await call('POST', '/products', { token: writer, body: aPhone({ variants: [] }) }),
        400,
        'REQUEST.VALIDATION',
        'variants',
      );
      expectProblem(await call('GET', '/products/not-a-uuid'), 400, 'REQUEST.VALIDATION', 'id');
      expectProblem(
        await call('GET', '/products/01900000-0000-7000-8000-000000000000'),
        404,
        'PRODUCT.NOT_FOUND',
      );
    });

    it('patches with If-Match: 428 without it, 412 when stale, 200 with the new ETag when current', async () => {
      const product = (await call('POST', '/products', { token: writer, body: aPhone() })).json();
      const url = `/products/${product.id}`;
      expectProblem(
        await call('PATCH', url, { token: writer, body: { name: 'No precondition' } }),
        428,
        'PRODUCT.IF_MATCH_REQUIRED',
        'If-Match',
      );
      const ok = await call('PATCH', url, {
        token: writer,
        body: { name: 'Renamed', attributes: { colors: ['Black'] } },
        headers: { 'if-match': '"1"' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers.etag, '"2"');
      assert.deepEqual(ok.json().attributes, { storage: ['256GB', '512GB'], colors: ['Black'] });
      const stale = await call('PATCH', url, {
        token: writer,
        body: { name: 'Lost update' },
        headers: { 'if-match': '"1"' },
      });
      expectProblem(stale, 412, 'PRODUCT.VERSION_MISMATCH', 'If-Match');
      assert.equal(stale.json().currentVersion, 2);
      expectProblem(
        await call('PATCH', url, {
          token: writer,
          body: { name: 'x' },
          headers: { 'if-match': 'yesterday' },
        }),
        400,
        'PRODUCT.INVALID_IF_MATCH',
        'If-Match',
      );
      assert.equal((await call('GET', url)).json().name, 'Renamed');
    });

    it('archives on DELETE: 204, still readable, gone from the default listing', async () => {
      const product = (
        await call('POST', '/products', { token: writer, body: aPhone({ brand: 'Archivable' }) })
      ).json();
      const deleted = await call('DELETE', `/products/${product.id}`, { token: writer });
      assert.equal(deleted.statusCode, 204);
      assert.equal((await call('GET', `/products/${product.id}`)).json().status, 'archived');
      assert.equal((await call('GET', '/products?brand=Archivable')).json().items.length, 0);
      assert.equal((await call('GET', '/products?brand=Archivable&status=archived')).json().items.length, 1);
    });

    it('lists with filters, facets and cursors', async () => {
      await call('POST', '/products', {
        token: writer,
        body: aPhone({
          brand: 'Listed',
          attributes: { storage: ['128GB'], colors: ['Black'] },
          variants: [{ sku: 'LIST-1', attributes: { storage: '128GB' }, price: '150.00' }],
        }),
      });
      await call('POST', '/products', { token: writer, body: aPhone({ brand: 'Listed' }) });
      const query =
        '/products?category=phones&brand=Listed&attr.storage=256GB,512GB&attr.colors=Blue%20Titanium&spec.camera.main=48MP&minPrice=200&maxPrice=800&status=active&sort=price&limit=20';
      const response = await call('GET', query);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.items.length, 1);
      assert.equal(body.nextCursor, null);
      assert.deepEqual(body.facets.storage, [
        { value: '256GB', count: 1 },
        { value: '512GB', count: 1 },
      ]);
      assert.deepEqual(body.facets.colors, [{ value: 'Blue Titanium', count: 1 }]);
      const first = (await call('GET', '/products?category=phones&brand=Listed&sort=price&limit=1')).json();
      assert.equal(first.items[0].variants[0].price, '150.00');
      const second = (
        await call(
          'GET',
          `/products?category=phones&brand=Listed&sort=price&limit=1&cursor=${first.nextCursor}`,
        )
      ).json();
      assert.notEqual(second.items[0].id, first.items[0].id);
      assert.equal(second.nextCursor, null);
    });

    it('answers bad filters with 400 naming the parameter, never a query error', async () => {
      expectProblem(
        await call('GET', '/products?category=phones&attr.wheels=4'),
        400,
        'PRODUCT.UNKNOWN_FILTER',
        'attr.wheels',
      );
      expectProblem(
        await call('GET', '/products?category=phones&attr.secretCode=1'),
        400,
        'PRODUCT.UNKNOWN_FILTER',
        'attr.secretCode',
      );
      expectProblem(
        await call('GET', '/products?attr.storage=256GB'),
        400,
        'PRODUCT.FILTER_NEEDS_CATEGORY',
        'attr.storage',
      );
      expectProblem(
        await call('GET', '/products?category=spaceships'),
        400,
        'PRODUCT.UNKNOWN_CATEGORY',
        'category',
      );
      expectProblem(
        await call('GET', '/products?minPrice=cheap'),
        400,
        'PRODUCT.INVALID_FILTER_VALUE',
        'minPrice',
      );
      expectProblem(await call('GET', '/products?sort=random'), 400, 'PRODUCT.INVALID_SORT', 'sort');
      expectProblem(await call('GET', '/products?cursor=%27%3B--'), 400, 'PRODUCT.INVALID_CURSOR', 'cursor');
      expectProblem(await call('GET', '/products?spec.a%27b=1'), 400, 'PRODUCT.UNKNOWN_FILTER', "spec.a'b");
      expectProblem(await call('GET', '/products?limit=many'), 400, 'PRODUCT.INVALID_LIMIT', 'limit');
    });

    it('adds an attribute through PATCH /products/categories/{slug}; refuses an incompatible change with 409', async () => {
      const patched = await call('PATCH', '/products/categories/phones', {
        token: writer,
        body: { attributes: [{ name: 'batteryMah', type: 'number', filterable: true }] },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.headers.etag, '"2"');
      const product = await call('POST', '/products', {
        token: writer,
        body: aPhone({ attributes: { storage: ['128GB'], batteryMah: 4000 } }),
      });
      assert.equal(product.statusCode, 201, product.body);
      assert.equal(
        (await call('GET', '/products?category=phones&attr.batteryMah=4000')).json().items.length,
        1,
      );
      expectProblem(
        await call('PATCH', '/products/categories/phones', {
          token: writer,
          body: { attributes: [{ name: 'storage', type: 'string' }] },
        }),
        409,
        'CATEGORY.ATTRIBUTE_TYPE_CHANGED',
        'attributes.0.type',
      );
      expectProblem(
        await call('PATCH', '/products/categories/phones', {
          token: writer,
          body: { name: 'X' },
          headers: { 'if-match': '"1"' },
        }),
        412,
        'CATEGORY.VERSION_MISMATCH',
      );
    });

    it('publishes product.created / updated / archived through the outbox with the full document', async () => {
      const product = (await call('POST', '/products', { token: writer, body: aPhone() })).json();
      const patched = (
        await call('PATCH', `/products/${product.id}`, {
          token: writer,
          body: { description: 'New' },
          headers: { 'if-match': '"1"' },
        })
      ).json();
      await call('DELETE', `/products/${product.id}`, { token: writer });
      const archived = (await call('GET', `/products/${product.id}`)).json();
      const received = await eventually(
        () => {
          const mine = events.filter((event) => event.aggregateId === product.id);
          return mine.length >= 3 && mine;
        },
        { message: `three events of product ${product.id}` },
      );
      assert.deepEqual(
        received.map((e) => e.type),
        ['product.created', 'product.updated', 'product.archived'],
      );
      assert.deepEqual(
        received.map((e) => e.data),
        [product, patched, archived],
      );
    });

    it('serves the same client over HTTP as in-process: variants, product, catalogue pages', async () => {
      const product = (await call('POST', '/products', { token: writer, body: aPhone() })).json();
      const address = await platform.app.listen({ port: 0, host: '127.0.0.1' });
      const remote = new ProductsHttpClient(address);
      const local = platform.client('products');
      const skus = [product.variants[1].sku, 'NO-SUCH-SKU', product.variants[0].sku];
      const snapshots = await remote.findVariants(skus);
      assert.deepEqual(snapshots, await local.findVariants(skus));
      assert.deepEqual(snapshots[0], {
        sku: product.variants[1].sku,
        productId: product.id,
        productName: product.name,
        variantAttributes: { storage: '512GB', color: 'Blue Titanium' },
        price: '1199.99',
        currency: 'USD',
        status: 'active',
      });
      assert.deepEqual(await remote.getProduct(product.id), await local.getProduct(product.id));
      await assert.rejects(remote.getProduct('01900000-0000-7000-8000-000000000000'), {
        code: 'PRODUCT.NOT_FOUND',
      });
      const walk = async (client: ProductsClient) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { items: { id: string }[]; nextCursor: string | null } = await client.listProducts({
            cursor,
            limit: 3,
          });
          ids.push(...page.items.map((item) => item.id));
          cursor = page.nextCursor;
        } while (cursor);
        return ids;
      };
      const remoteIds = await walk(remote);
      assert.deepEqual(remoteIds, await walk(local));
      assert.ok(remoteIds.includes(product.id));
      assert.equal(new Set(remoteIds).size, remoteIds.length);
    });
  });
}
