import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent, PROBLEM_CONTENT_TYPE, silentLogger, systemClock } from '@polyshop/kernel';
import { createHttpApp } from '@polyshop/http';
import { eventually } from '@polyshop/testing';
import { MigrationStateStore } from '@polyshop/migration';
import { createTestPlatform, userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import { SmtpSink } from '../../services/notifications/test/support/smtp-sink.ts';
import { polyglotTargets, startPolyglotPlatform, type PolyglotPlatform } from './polyglot/polyglot-stores.ts';
import {
  aConfirmedOrder,
  checkoutPlatform,
  seedSkus,
} from '../../services/orders/test/fixtures/checkout-platform.ts';
import { aLease, aNewOrder } from '../../services/orders/test/fixtures/order-fixtures.ts';
import { METRIC_NAMES, PlatformMetrics } from '../src/metrics/platform-metrics.ts';
import {
  matching,
  parsePrometheusText,
  seriesOf,
  total,
  type Family,
  type Sample,
} from './support/prometheus-text.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Issue 16 (metrics): after one checkout, `GET /metrics` is Prometheus text that a Prometheus parser
 * reads, with every family the platform exports and samples where a checkout must have produced them;
 * no label carries an id or a raw URL.
 */
describe('GET /metrics after a checkout (PGlite)', () => {
  let platform: TestPlatform;
  let families: Map<string, Family>;
  /** Every sample by series name (`…_count`, `…_bucket` …), with its labels. */
  let series: Map<string, Sample[]>;
  const sku = `MET-${randomUUID().slice(0, 8)}`.toUpperCase();
  const consumer = 'metrics-test.consumer';

  before(async () => {
    platform = await checkoutPlatform('pglite');
    await aConfirmedOrder(platform, { sku, price: '12.50', stock: 5, quantity: 2 });
    // a saga in flight: created, leased to a driver for an hour (nobody drives it in this test)
    await platform
      .module('orders')!
      .service.deps.repository.create(aNewOrder(), aLease(new Date(), 3_600_000));
    // Another writer moves the SKU's row behind this process's back: the next reservation's one
    // statement, guarded by the version this process last wrote, is refused and goes the general way.
    await (
      await platform.postgres()
    ).execute(`UPDATE inventory.stock SET version = version + 1 WHERE sku = $1`, [sku]);
    const again = await platform
      .client('inventory')
      .reserve({ reservationId: randomUUID(), items: [{ sku, quantity: 1 }], ttlSeconds: 60 });
    assert.equal(again.status, 'reserved');
    // a 404 under a service's prefix, with an id in its URL: counted, but never by that URL
    const missing = await platform.app.inject(`/orders/${randomUUID()}/nothing-here`);
    assert.equal(missing.statusCode, 404);
    // a consumer that gave up on an event
    await platform.deadLetters.handler(
      consumer,
      createEvent(
        'metrics-test',
        { type: 'metrics.tested', aggregateType: 'test', aggregateId: randomUUID(), data: {} },
        systemClock,
      ),
      new Error('boom'),
      3,
    );

    // an online migration of a service this platform does not run (its control store row only)
    await new MigrationStateStore(await platform.postgres()).start('search', 'postgres', 'opensearch');
    // the orders relay publishes the saga's outcome shortly after the commit
    const response = await eventually(
      async () => {
        const scraped = await platform.app.inject('/metrics');
        assert.equal(scraped.statusCode, 200, scraped.body);
        assert.match(
          scraped.body,
          /^polyshop_events_published_total\{service="orders",type="order.confirmed"\} 1$/m,
        );
        return scraped;
      },
      { timeoutMs: 10_000, message: 'order.confirmed published' },
    );
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    families = new Map(parsePrometheusText(response.body).map((family) => [family.name, family]));
    series = seriesOf(response.body);
  });
  after(() => platform?.dispose());

  const family = (name: string, type: Family['type']) => {
    const found = families.get(name);
    assert.ok(found, `family ${name} is exported`);
    assert.equal(found.type, type, name);
    assert.ok(found.help.length > 0, `${name} has a help text`);
    return found;
  };
  /** The observations of histogram `name` whose labels include `labels`. */
  const count = (name: string, labels: Record<string, string>) =>
    total(matching(series.get(`${name}_count`) ?? [], labels));

  it('times the checkout request by service, method, route template and status', () => {
    const http = METRIC_NAMES.httpDuration;
    family(http, 'HISTOGRAM');
    const checkout = { service: 'orders', method: 'POST', route: '/orders', status_code: '201' };
    assert.equal(count(http, checkout), 1);
    assert.ok(total(matching(series.get(`${http}_sum`)!, checkout)) > 0);
    assert.equal(total(matching(series.get(`${http}_bucket`)!, { ...checkout, le: '+Inf' })), 1);
    // the seeding went through the catalogue and inventory routes, by template
    assert.ok(count(http, { service: 'inventory', method: 'PUT', route: '/inventory/:sku' }) >= 1);
    assert.ok(count(http, { service: 'products', method: 'POST', route: '/products' }) >= 1);
    assert.ok(count(http, { service: 'users', method: 'POST', route: '/users/login' }) >= 1);
    // the 404 is the orders service's, under no route
    assert.equal(count(http, { service: 'orders', route: 'unmatched', status_code: '404' }), 1);
  });

  it('times SQL operations by service, store and statement kind', () => {
    const store = METRIC_NAMES.storeDuration;
    family(store, 'HISTOGRAM');
    for (const service of ['orders', 'inventory', 'payments', 'users', 'products', 'platform']) {
      assert.ok(count(store, { service, store: 'pglite' }) > 0, `${service} ran statements`);
    }
    for (const [service, operation] of [
      ['orders', 'insert'],
      ['orders', 'update'],
      ['orders', 'transaction'],
      ['inventory', 'update'],
      ['payments', 'insert'],
      ['users', 'select'],
      ['orders', 'ddl'],
      ['platform', 'ddl'],
    ] as const) {
      assert.ok(count(store, { service, operation }) > 0, `${service} ${operation}`);
    }
    for (const sample of series.get(`${store}_count`)!) {
      assert.match(
        String(sample.labels?.operation),
        /^(select|insert|update|delete|with|ddl|other|transaction|exec)$/,
      );
    }
  });

  it('reads the outbox lag of every PostgreSQL outbox and the pending dead letters per consumer', () => {
    const lag = family(METRIC_NAMES.outboxLag, 'GAUGE');
    const schemas = lag.metrics.map((sample) => sample.labels?.schema).sort();
    assert.ok(lag.metrics.every((sample) => sample.labels?.store === 'pglite'));
    for (const schema of ['catalog', 'inventory', 'orders', 'payments', 'users', 'platform']) {
      assert.ok(schemas.includes(schema), `outbox of ${schema} in ${schemas.join(', ')}`);
    }
    for (const sample of lag.metrics) {
      const seconds = Number(sample.value);
      assert.ok(
        Number.isFinite(seconds) && seconds >= 0 && seconds < 60,
        `${sample.labels?.schema}: ${seconds}`,
      );
    }
    const deadLetters = family(METRIC_NAMES.deadLetters, 'GAUGE');
    assert.deepEqual(matching(deadLetters.metrics, { consumer }), [{ labels: { consumer }, value: '1' }]);
  });

  it("counts the events each service published and times its consumers' deliveries", () => {
    const published = family(METRIC_NAMES.eventsPublished, 'COUNTER').metrics;
    assert.equal(total(matching(published, { service: 'orders', type: 'order.confirmed' })), 1);
    assert.ok(total(matching(published, { service: 'products', type: 'product.created' })) >= 1);
    const handling = METRIC_NAMES.eventHandling;
    family(handling, 'HISTOGRAM');
    // products' listing cache hears its own product.created: one consumer per instance, named without its id
    assert.ok(
      count(handling, {
        service: 'products',
        consumer: 'products.listing-cache.:id',
        type: 'product.created',
        outcome: 'ok',
      }) >= 1,
    );
  });

  it("times each step of the checkout's saga by outcome (the orders service's own family)", () => {
    const saga = 'polyshop_saga_step_duration_seconds';
    family(saga, 'HISTOGRAM');
    for (const step of ['reserve_stock', 'authorize_payment', 'capture_payment', 'confirm_order']) {
      assert.equal(count(saga, { service: 'orders', step, outcome: 'done' }), 1, step);
    }
  });

  it('reads the checkout sagas in flight by state, parked ones apart (the orders service)', () => {
    const sagas = family('polyshop_saga_orders', 'GAUGE').metrics;
    const state = (name: string) => total(matching(sagas, { service: 'orders', state: name }));
    assert.equal(state('started'), 1, 'the leased saga');
    for (const name of [
      'stock_reserved',
      'payment_captured',
      'compensating',
      'cancelling',
      'needs_attention',
    ])
      assert.equal(state(name), 0, name);
    assert.equal(matching(sagas, { state: 'confirmed' }).length, 0, 'a finished saga is not in flight');
  });

  it('counts stock reservations by outcome (the inventory service)', () => {
    const reservations = family('polyshop_inventory_reservations_total', 'COUNTER').metrics;
    // the checkout's, and the one after the row moved
    assert.equal(total(matching(reservations, { service: 'inventory', outcome: 'reserved' })), 2);
  });

  it("counts inventory's conflicts and retries, and times reservations' waits in their lane", () => {
    const inventory = { service: 'inventory', store: 'pglite' };
    const conflicts = family('polyshop_inventory_conflicts_total', 'COUNTER').metrics;
    assert.deepEqual(matching(conflicts, inventory), [
      { labels: { ...inventory, kind: 'stale_row' }, value: '1' },
    ]);
    const retries = family('polyshop_inventory_retries_total', 'COUNTER').metrics;
    assert.equal(total(matching(retries, inventory)), 1);
    const wait = 'polyshop_inventory_lock_wait_seconds';
    family(wait, 'HISTOGRAM');
    assert.equal(count(wait, inventory), 2, 'both reservations waited in their lane');
  });

  it("reads each online store migration's phase and backfill progress from the control store", () => {
    assert.deepEqual(family(METRIC_NAMES.migrationPhase, 'GAUGE').metrics, [
      {
        labels: { service: 'search', from_store: 'postgres', to_store: 'opensearch', phase: 'dual-write' },
        value: '1',
      },
    ]);
    const backfill = family(METRIC_NAMES.migrationBackfill, 'GAUGE').metrics;
    assert.deepEqual(matching(backfill, { service: 'search', outcome: 'copied' }), [
      { labels: { service: 'search', outcome: 'copied' }, value: '0' },
    ]);
    family(METRIC_NAMES.migrationDifferences, 'GAUGE'); // none until a verify pass ran
  });

  it("exports Node's default process metrics", () => {
    assert.ok(Number(family('process_cpu_user_seconds_total', 'COUNTER').metrics[0]!.value) > 0);
    assert.ok(Number(family('process_resident_memory_bytes', 'GAUGE').metrics[0]!.value) > 0);
    assert.ok(Number(family('nodejs_heap_size_used_bytes', 'GAUGE').metrics[0]!.value) > 0);
    family('nodejs_eventloop_lag_seconds', 'GAUGE');
  });

  it('keeps every label bounded: no id, no SKU, no raw URL', () => {
    assert.ok(series.size > families.size);
    for (const [name, samples] of series) {
      for (const sample of samples) {
        for (const [label, value] of Object.entries(sample.labels ?? {})) {
          assert.doesNotMatch(value, UUID, `${name}{${label}="${value}"}`);
          assert.ok(!value.includes(sku), `${name}{${label}="${value}"}`);
          if (label === 'route') assert.match(value, /^(\/[\w:.\-/*]*|unmatched)$/, `${name} route ${value}`);
        }
      }
    }
  });
});

describe('GET /metrics configuration', () => {
  const metricsApp = async (env: Record<string, string>) => {
    const app = await createHttpApp({ logger: silentLogger() });
    const metrics = new PlatformMetrics({
      env,
      logger: silentLogger(),
      services: [{ name: 'orders', prefix: '/orders' }],
      postgres: () => undefined,
    });
    metrics.install(app);
    app.get('/orders/:id', async () => ({ ok: true }));
    await app.ready();
    return app;
  };

  it('with METRICS_TOKEN: 401 problem+json without the bearer token or with another, 200 with it', async () => {
    const token = 'a-scrape-token-of-some-length';
    const app = await metricsApp({ METRICS_TOKEN: token });
    try {
      const anonymous = await app.inject('/metrics');
      assert.equal(anonymous.statusCode, 401);
      assert.ok(String(anonymous.headers['content-type']).startsWith(PROBLEM_CONTENT_TYPE));
      assert.equal(anonymous.json<{ code: string }>().code, 'METRICS.UNAUTHORIZED');
      const wrong = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}x` } });
      assert.equal(wrong.statusCode, 401);
      await app.inject('/orders/42');
      const scraped = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      assert.equal(scraped.statusCode, 200);
      assert.match(
        scraped.body,
        /^polyshop_http_request_duration_seconds_count\{service="orders",method="GET",route="\/orders\/:id",status_code="200"\} 1$/m,
      );
    } finally {
      await app.close();
    }
  });

  it("answers when a service's store cannot be read: that outbox and gauge are left out, the others shown", async () => {
    const warnings: string[] = [];
    const logger = silentLogger();
    logger.warn = ((_: unknown, message: string) => void warnings.push(message)) as typeof logger.warn;
    const metrics = new PlatformMetrics({ env: {}, logger, services: [], postgres: () => undefined });
    const orders = metrics.forService('orders')!;
    const down = () => Promise.reject(new Error('connection refused'));
    orders.outboxLag('mongodb', 'shop.outbox', down);
    orders.outboxLag('dynamodb', 'shop-inventory', async () => new Date(Date.now() - 2_000));
    orders.gauge('polyshop_test_down', 'A gauge whose store is down.', ['state'], down);
    orders.gauge('polyshop_test_up', 'A gauge read.', ['state'], async () => [[{ state: 'started' }, 3]]);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /^polyshop_outbox_lag_seconds\{store="dynamodb",schema="shop-inventory"\} (2|2\.\d+)$/m,
    );
    assert.doesNotMatch(text, /store="mongodb"/);
    assert.match(text, /^polyshop_test_up\{service="orders",state="started"\} 3$/m);
    assert.doesNotMatch(text, /^polyshop_test_down\{/m);
    assert.deepEqual(warnings.sort(), ['metrics: a read failed', 'metrics: reading outbox lag failed']);
  });

  it('with METRICS=off: no /metrics route; a short METRICS_TOKEN stops start-up naming it', async () => {
    const app = await metricsApp({ METRICS: 'off' });
    try {
      assert.equal((await app.inject('/metrics')).statusCode, 404);
    } finally {
      await app.close();
    }
    assert.throws(
      () =>
        new PlatformMetrics({
          env: { METRICS_TOKEN: 'short' },
          logger: silentLogger(),
          services: [],
          postgres: () => undefined,
        }),
      /METRICS_TOKEN/,
    );
  });
});

const pglitePolyglot = polyglotTargets().filter((target) => target.postgres === 'pglite');
for (const target of pglitePolyglot) {
  describe(
    'GET /metrics in the polyglot profile: MongoDB, DynamoDB and OpenSearch operations',
    { skip: target.skip },
    () => {
      let poly: PolyglotPlatform;
      before(async () => {
        poly = await startPolyglotPlatform(target);
      });
      after(() => poly?.dispose());

      it('times each store kind by operation, labelled with the services on that store', async () => {
        const merchant = await userWithPermissions(poly.platform, ['products:write', 'inventory:write']);
        await seedSkus(poly.platform, [
          { sku: `MET-${randomUUID().slice(0, 8)}`.toUpperCase(), price: '3.00', quantity: 2 },
        ]);
        assert.ok(merchant.token);
        const expected: [string, string, string][] = [
          ['notifications+products', 'mongodb', 'insert'],
          ['notifications+products', 'mongodb', 'find'],
          ['inventory', 'dynamodb', 'TransactWriteItems'],
          ['search', 'opensearch', 'search'],
        ];
        await eventually(
          async () => {
            await poly.platform.app.inject('/search/products?q=product');
            const body = (await poly.platform.app.inject('/metrics')).body;
            const counts = new Map<string, number>();
            for (const family of parsePrometheusText(
              body.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'),
            )) {
              if (family.name !== `${METRIC_NAMES.storeDuration}_count`) continue;
              for (const { labels, value } of family.metrics) {
                counts.set(`${labels?.service} ${labels?.store} ${labels?.operation}`, Number(value));
              }
            }
            for (const [service, store, operation] of expected) {
              assert.ok(
                (counts.get(`${service} ${store} ${operation}`) ?? 0) > 0,
                `${service} ${store} ${operation} in ${[...counts.keys()].join(', ')}`,
              );
            }
            // the outboxes of the catalogue (a MongoDB collection) and inventory (its DynamoDB table)
            const lags = parsePrometheusText(body).find((f) => f.name === METRIC_NAMES.outboxLag)!.metrics;
            for (const store of ['mongodb', 'dynamodb']) {
              const [lag, ...more] = matching(lags, { store });
              assert.ok(lag && more.length === 0, `one ${store} outbox in ${JSON.stringify(lags)}`);
              assert.ok(Number(lag.value) >= 0 && Number(lag.value) < 60, `${store}: ${lag.value}`);
            }
            assert.equal(
              matching(lags, { store: 'dynamodb' })[0]!.labels?.schema,
              poly.env.INVENTORY_DYNAMODB_TABLE,
            );
            const database = new URL(poly.env.MONGODB_URL!).pathname.slice(1);
            assert.equal(matching(lags, { store: 'mongodb' })[0]!.labels?.schema, `${database}.outbox`);
            assert.ok(
              total(
                matching(seriesOf(body).get('polyshop_inventory_lock_wait_seconds_count') ?? [], {
                  service: 'inventory',
                  store: 'dynamodb',
                }),
              ) > 0,
              'DynamoDB stock writes waited for their SKU locks',
            );
            return true;
          },
          { timeoutMs: 20_000, message: 'MongoDB, DynamoDB and OpenSearch operations measured' },
        );
      });
    },
  );
}

describe('GET /metrics: notification deliveries by channel and outcome (PGlite)', () => {
  let smtp: SmtpSink;
  let platform: TestPlatform;
  before(async () => {
    smtp = await SmtpSink.start();
    platform = await createTestPlatform({
      target: 'pglite',
      env: { SMTP_URL: smtp.url, NOTIFICATIONS_POLL_MS: '50' },
    });
  });
  after(async () => {
    await platform?.dispose();
    await smtp?.close();
  });

  it('counts the welcome email sent to a new user (notifications service)', async () => {
    await userWithPermissions(platform, []);
    await eventually(
      async () => {
        const body = (await platform.app.inject('/metrics')).body;
        assert.match(
          body,
          /^polyshop_notification_deliveries_total\{service="notifications",channel="email",outcome="sent"\} [1-9]\d*$/m,
        );
        const families = parsePrometheusText(body).map((family) => family.name);
        assert.ok(families.includes('polyshop_notification_deliveries_total'));
        return true;
      },
      { timeoutMs: 20_000, message: 'a welcome email counted as sent' },
    );
  });
});
