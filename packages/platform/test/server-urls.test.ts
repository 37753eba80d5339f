import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { serviceDefinitions, withServerUrls } from '@polyshop/platform';

const dir = mkdtempSync(join(tmpdir(), 'polyshop-servers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'urls.env'),
  [
    'POLYSHOP_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:55432/polyshop',
    'POLYSHOP_TEST_MONGODB_URL=mongodb://127.0.0.1:27017',
    'POLYSHOP_TEST_DYNAMODB_ENDPOINT=http://127.0.0.1:8000',
    'POLYSHOP_TEST_OPENSEARCH_URL=http://127.0.0.1:9200',
    'POLYSHOP_TEST_NATS_URL=nats://127.0.0.1:4222',
  ].join('\n'),
);
const taken = (env: NodeJS.ProcessEnv, options = {}) =>
  withServerUrls({ SERVERS_DIR: dir, ...env }, serviceDefinitions, options).taken.map((t) => t.variable);

describe('store URLs from `polyshop servers up`', () => {
  it('the polyglot profile takes every store it runs on, PostgreSQL and NATS included', () => {
    const { env } = withServerUrls({ SERVERS_DIR: dir, POLYSHOP_PROFILE: 'polyglot' }, serviceDefinitions);
    assert.deepEqual(
      [env.MONGODB_URL, env.DYNAMODB_ENDPOINT, env.OPENSEARCH_URL, env.DATABASE_URL, env.NATS_URL],
      [
        'mongodb://127.0.0.1:27017',
        'http://127.0.0.1:8000',
        'http://127.0.0.1:9200',
        'postgres://postgres@127.0.0.1:55432/polyshop',
        'nats://127.0.0.1:4222',
      ],
    );
  });

  it('Phase 1 keeps PGlite and the in-process bus, and takes a store only for a service moved onto it', () => {
    assert.deepEqual(taken({}), []);
    assert.deepEqual(taken({ PRODUCT_STORE: 'mongodb' }), ['MONGODB_URL']);
    assert.deepEqual(taken({}, { natsRequired: true }), ['NATS_URL']);
  });

  it('an explicit variable always wins', () => {
    const { env, taken: filled } = withServerUrls(
      { SERVERS_DIR: dir, POLYSHOP_PROFILE: 'polyglot', MONGODB_URL: 'mongodb://elsewhere:27017' },
      serviceDefinitions,
    );
    assert.equal(env.MONGODB_URL, 'mongodb://elsewhere:27017');
    assert.ok(!filled.some((t) => t.variable === 'MONGODB_URL'));
  });

  it('only the services running here count: inventory alone takes DynamoDB, not MongoDB', () => {
    const inventory = serviceDefinitions.filter((d) => d.name === 'inventory');
    const { taken: filled } = withServerUrls({ SERVERS_DIR: dir, INVENTORY_STORE: 'dynamodb' }, inventory);
    assert.deepEqual(
      filled.map((t) => t.variable),
      ['DYNAMODB_ENDPOINT'],
    );
  });

  it('without the file nothing changes', () => {
    const env = { SERVERS_DIR: join(dir, 'missing'), POLYSHOP_PROFILE: 'polyglot' };
    assert.deepEqual(withServerUrls(env, serviceDefinitions), { env, taken: [] });
  });
});
