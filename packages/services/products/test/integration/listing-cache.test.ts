import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { adminToken, createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import {
  createTestDatabase,
  dropTestDatabase,
  eventually,
  skipReason,
  testDatabaseUrl,
  testServerUrl,
} from '@polyshop/testing';
import { productStoreTargets } from './product-store-targets.ts';

const category = {
  slug: 'lamps',
  name: 'Lamps',
  attributes: [{ name: 'finish', type: 'enum', values: ['brass', 'steel', 'oak'], facet: true }],
};

let counter = 0;
function aLamp(finish: string) {
  counter += 1;
  return {
    name: `Lamp ${counter}`,
    category: 'lamps',
    currency: 'EUR',
    basePrice: '49.00',
    status: 'active',
    attributes: { finish },
    variants: [{ sku: `LAMP-${randomBytes(3).toString('hex')}-${counter}` }],
  };
}

interface Listing {
  items: { id: string; name: string; version: number }[];
  facets: { finish: { value: string; count: number }[] };
}

/** One platform instance (users + products) and its admin token, over `inject`. */
async function instance(target: 'pglite' | 'postgres', env: Record<string, string>) {
  const platform = await createTestPlatform({ target, services: ['users', 'products'], env });
  const token = await adminToken(platform);
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) => {
    const response = await platform.app.inject({
      method,
      url,
      ...(body ? { payload: body } : {}),
      headers: { authorization: `Bearer ${token}`, ...(method === 'GET' ? {} : { 'if-match': '*' }) },
    });
    assert.ok(response.statusCode < 300, `${method} ${url}: ${response.statusCode} ${response.body}`);
    return response.body ? response.json<unknown>() : undefined;
  };
  const listing = async () => (await call('GET', '/products?category=lamps')) as Listing;
  return { platform, call, listing };
}

const finishes = (listing: Listing) =>
  Object.fromEntries(listing.facets.finish.map(({ value, count }) => [value, count]));

for (const store of productStoreTargets()) {
  describe(
    `listing cache on ${store.name}: a write then a read by the same client`,
    { skip: store.skip },
    () => {
      let platform: TestPlatform;
      let lamps: Awaited<ReturnType<typeof instance>>;

      before(async () => {
        lamps = await instance(store.target, store.env());
        platform = lamps.platform;
        await lamps.call('POST', '/products/categories', category);
      });
      after(async () => {
        await platform?.dispose();
        await store.dispose();
      });

      it('sees each create, update and archive in its very next listing, items and facets', async () => {
        const first = (await lamps.call('POST', '/products', aLamp('brass'))) as { id: string };
        assert.deepEqual(finishes(await lamps.listing()), { brass: 1 });
        assert.deepEqual(finishes(await lamps.listing()), { brass: 1 }, 'served again (from the cache)');

        const second = (await lamps.call('POST', '/products', aLamp('steel'))) as { id: string };
        assert.deepEqual(finishes(await lamps.listing()), { brass: 1, steel: 1 });

        await lamps.call('PATCH', `/products/${first.id}`, {
          name: 'Renamed lamp',
          attributes: { finish: 'oak' },
        });
        const renamed = await lamps.listing();
        assert.deepEqual(finishes(renamed), { oak: 1, steel: 1 });
        assert.equal(renamed.items.find((item) => item.id === first.id)?.name, 'Renamed lamp');

        await lamps.call('DELETE', `/products/${second.id}`);
        const archived = await lamps.listing();
        assert.deepEqual(finishes(archived), { oak: 1 });
        assert.deepEqual(
          archived.items.map((item) => item.id),
          [first.id],
        );
      });

      it('sees a category change (a new facet value) at once', async () => {
        await lamps.listing();
        await lamps.call('PATCH', '/products/categories/lamps', {
          attributes: [
            { name: 'finish', type: 'enum', values: ['brass', 'steel', 'oak', 'glass'], facet: true },
          ],
        });
        await lamps.call('POST', '/products', aLamp('glass'));
        assert.deepEqual(finishes(await lamps.listing()), { glass: 1, oak: 1 });
      });
    },
  );
}

const nats = testServerUrl('POLYSHOP_TEST_NATS_URL');

for (const store of productStoreTargets().filter((target) => target.name !== 'pglite')) {
  describe(
    `listing cache on ${store.name}: another instance's write arrives by its event (NATS)`,
    { skip: store.skip || skipReason('POLYSHOP_TEST_NATS_URL', nats) },
    () => {
      const instances: Awaited<ReturnType<typeof instance>>[] = [];

      let database: { url: string; name: string } | undefined;

      before(async () => {
        // one catalog store and one event stream, two instances (their users each on PGlite)
        const shared: Record<string, string> = {
          ...store.env(),
          NATS_URL: nats!,
          NATS_SUBJECT_PREFIX: `test.cache${randomBytes(4).toString('hex')}`,
        };
        if (store.target === 'postgres') {
          database = await createTestDatabase(testDatabaseUrl()!);
          shared.DATABASE_URL = database.url;
        }
        for (let i = 0; i < 2; i++) instances.push(await instance('pglite', shared));
      });
      after(async () => {
        for (const running of instances.reverse()) await running.platform.dispose();
        await store.dispose();
        if (database) await dropTestDatabase(testDatabaseUrl()!, database.name);
      });

      it('drops the reader instance cached listing when the product events reach it', async () => {
        const [reader, writer] = instances as [(typeof instances)[0], (typeof instances)[0]];
        await writer.call('POST', '/products/categories', category);
        const lamp = (await writer.call('POST', '/products', aLamp('brass'))) as { id: string };
        await eventually(async () => isDeepStrictEqual(finishes(await reader.listing()), { brass: 1 }));
        assert.deepEqual(finishes(await reader.listing()), { brass: 1 }, 'cached on the reader');

        await writer.call('PATCH', `/products/${lamp.id}`, { attributes: { finish: 'steel' } });
        assert.deepEqual(finishes(await writer.listing()), { steel: 1 }, 'the writer at once');
        await eventually(async () => isDeepStrictEqual(finishes(await reader.listing()), { steel: 1 }), {
          message: "the writer's update in the reader's listing",
        });
      });
    },
  );
}
