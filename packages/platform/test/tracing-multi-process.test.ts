import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  dropTestDatabase,
  eventually,
  skipReason,
  testDatabaseUrl,
  testServerUrl,
} from '@polyshop/testing';
import { freePort, httpJson, startPolyshop, type PolyshopProcess } from '@polyshop/platform/testing';
import { checkoutBody } from '../../services/orders/test/fixtures/checkout-platform.ts';
import { OtlpReceiver, traceTree, type ReceivedSpan } from './support/otlp-receiver.ts';

const SERVICES = ['users', 'products', 'inventory', 'payments', 'orders', 'notifications'] as const;
const ADMIN = { email: 'trace-admin@polyshop.test', password: 'Sturdy-Lamp-Passw0rd!' };
const databaseServer = testDatabaseUrl();
const nats = testServerUrl('POLYSHOP_TEST_NATS_URL');
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

/**
 * Issue 16 (traces), multi-process: one `polyshop serve` per service (HTTP between them, events over
 * NATS JetStream, PostgreSQL), each exporting to one OTLP/HTTP receiver in this process. One checkout
 * is one trace: orders' calls to inventory and payments are client spans whose server spans run in
 * those processes (traceparent over HTTP), and notifications' handling of order.confirmed, in its own
 * process, is a child of orders' publication (the context travels in the event through NATS).
 */
describe(
  'one checkout is one trace across polyshop serve processes (HTTP, NATS, PostgreSQL)',
  {
    skip:
      skipReason('POLYSHOP_TEST_DATABASE_URL', databaseServer) || skipReason('POLYSHOP_TEST_NATS_URL', nats),
  },
  () => {
    const processes: PolyshopProcess[] = [];
    const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-trace-mp-'));
    const url: Record<string, string> = {};
    let database: { url: string; name: string } | undefined;
    let receiver: OtlpReceiver;
    let spans: ReceivedSpan[];

    before(async () => {
      receiver = await OtlpReceiver.start();
      database = await createTestDatabase(databaseServer!);
      const env: Record<string, string> = {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '3',
        NATS_URL: nats!,
        NATS_SUBJECT_PREFIX: `polyshop_t_${randomBytes(5).toString('hex')}.events`,
        POLYSHOP_INTERNAL_TOKEN: `internal-${randomUUID()}`,
        POLYSHOP_ADMIN_EMAIL: ADMIN.email,
        POLYSHOP_ADMIN_PASSWORD: ADMIN.password,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        SHUTDOWN_TIMEOUT_MS: '5000',
      };
      const ports: Record<string, number> = {};
      for (const name of SERVICES) {
        ports[name] = await freePort();
        url[name] = `http://127.0.0.1:${ports[name]}`;
        env[`POLYSHOP_${name.toUpperCase()}_URL`] = url[name]!;
      }
      // started side by side; every one that started is stopped by `after`, even when another failed
      const started = await Promise.allSettled(
        SERVICES.map(async (name) => {
          const child = await startPolyshop({
            dataDir: join(dataDir, name),
            env,
            command: ['serve', name],
            port: ports[name]!,
          });
          processes.push(child);
        }),
      );
      const failed = started.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;

      const admin = (await httpJson(url.users!, 'POST', '/users/login', { body: ADMIN })).body
        .accessToken as string;
      const category = await httpJson(url.products!, 'POST', '/products/categories', {
        token: admin,
        body: { slug: 'trace', name: 'Trace' },
      });
      assert.equal(category.status, 201, JSON.stringify(category.body));
      const product = await httpJson(url.products!, 'POST', '/products', {
        token: admin,
        body: {
          name: 'Lamp',
          category: 'trace',
          currency: 'USD',
          basePrice: '19.99',
          status: 'active',
          variants: [{ sku: 'TRACE-LAMP', price: '19.99' }],
        },
      });
      assert.equal(product.status, 201, JSON.stringify(product.body));
      const stock = await httpJson(url.inventory!, 'PUT', '/inventory/TRACE-LAMP', {
        token: admin,
        body: { quantity: 3, reason: 'trace' },
      });
      assert.equal(stock.status, 201, JSON.stringify(stock.body));

      const placed = await httpJson(url.orders!, 'POST', '/orders', {
        token: admin,
        headers: { 'idempotency-key': randomUUID() },
        body: checkoutBody([{ sku: 'TRACE-LAMP', quantity: 2 }]),
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.status, 'confirmed');
      const traceId = placed.headers.get('x-request-id')!;
      assert.match(traceId, /^[0-9a-f]{32}$/);
      await eventually(
        () =>
          receiver
            .trace(traceId)
            .some(
              (s) => s.name === 'order.confirmed process' && s.resourceService === 'polyshop-notifications',
            ),
        { timeoutMs: 30_000, message: "notifications' span of order.confirmed" },
      );
      // every process flushes its spans on SIGTERM
      await Promise.all(processes.map((p) => p.stop()));
      processes.length = 0;
      spans = receiver.trace(traceId);
      console.log(`trace ${traceId}: ${spans.length} spans\n${traceTree(spans, true)}`);
    });
    after(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      await receiver?.close();
      if (database) await dropTestDatabase(databaseServer!, database.name);
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("has one root, orders' POST /orders, and every other span's parent is in the trace", () => {
      const ids = new Set(spans.map((s) => s.spanId));
      const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
      assert.equal(
        roots.length,
        1,
        `roots: ${roots.map((s) => `${s.name} ${s.resourceService}`).join(', ')}`,
      );
      assert.equal(roots[0]!.kind, SERVER);
      assert.match(roots[0]!.name, /^POST \/orders\/?$/);
      assert.equal(roots[0]!.resourceService, 'polyshop-orders');
    });

    it('spans four processes: orders, inventory, payments and notifications', () => {
      const processesSeen = new Set(spans.map((s) => s.resourceService));
      for (const service of ['orders', 'inventory', 'payments', 'notifications'])
        assert.ok(processesSeen.has(`polyshop-${service}`), [...processesSeen].join(', '));
    });

    it("links orders' HTTP calls to the server spans of inventory and payments", () => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      for (const service of ['inventory', 'payments']) {
        const served = spans.filter((s) => s.resourceService === `polyshop-${service}` && s.kind === SERVER);
        assert.ok(served.length > 0, `no server span in ${service}`);
        for (const span of served) {
          const caller = byId.get(span.parentSpanId!)!;
          assert.equal(caller.kind, CLIENT, `${span.name}'s parent is a client span`);
          assert.equal(caller.resourceService, 'polyshop-orders');
        }
        assert.ok(
          spans.some(
            (s) =>
              s.resourceService === `polyshop-${service}` && s.attributes['db.system.name'] === 'postgresql',
          ),
          `store spans in ${service}`,
        );
      }
    });

    it("has notifications' handling (through NATS) under orders' publication of order.confirmed", () => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const handling = spans.find(
        (s) => s.name === 'order.confirmed process' && s.resourceService === 'polyshop-notifications',
      )!;
      assert.equal(handling.kind, CONSUMER);
      const publication = byId.get(handling.parentSpanId!)!;
      assert.equal(publication.name, 'order.confirmed publish');
      assert.equal(publication.resourceService, 'polyshop-orders');
      assert.ok(spans.some((s) => s.parentSpanId === handling.spanId && s.attributes['db.system.name']));
    });
  },
);
