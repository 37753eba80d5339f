import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createEvent, systemClock } from '@polyshop/kernel';
import { definition as notifications } from '@polyshop/notifications';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { eventually } from '@polyshop/testing';
import {
  aConfirmedOrder,
  CHECKOUT_DEFINITIONS,
} from '../../services/orders/test/fixtures/checkout-platform.ts';
import { tracesEndpoint } from '../src/tracing.ts';
import { OtlpReceiver, traceTree, type ReceivedSpan } from './support/otlp-receiver.ts';

const SERVER = 2;
const CONSUMER = 5;

/**
 * Issue 16 (traces): with OTEL_EXPORTER_OTLP_ENDPOINT set, one checkout on the all-in-one platform is
 * one trace, exported over OTLP/HTTP (JSON) to a receiver in this process: orders' request span is its
 * root, inventory's and payments' calls and notifications' handling of `order.confirmed` (carried by
 * the outbox and the bus in the event's envelope) are in it, each span's parent is in it, and store
 * operations are spans under the service whose work they are.
 */
describe('one checkout is one trace (all-in-one, PGlite, OTLP/HTTP JSON)', () => {
  let receiver: OtlpReceiver;
  let platform: TestPlatform | undefined;
  let traceId: string;
  let spans: ReceivedSpan[];

  before(async () => {
    receiver = await OtlpReceiver.start();
    platform = await createTestPlatform({
      target: 'pglite',
      definitions: [...CHECKOUT_DEFINITIONS, notifications],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ORDERS_RECOVERY_INTERVAL_MS: '60000',
      },
    });
    const sku = `TRACE-${randomUUID().slice(0, 8)}`.toUpperCase();
    const { response } = await aConfirmedOrder(platform, { sku, price: '12.50', stock: 5, quantity: 2 });
    // with tracing on, the request id is the trace id
    traceId = String(response.headers['x-request-id']);
    assert.match(traceId, /^[0-9a-f]{32}$/);
    // notifications handles order.confirmed after the response (outbox → relay → bus)
    await eventually(
      () =>
        receiver
          .trace(traceId)
          .some(
            (s) =>
              s.name === 'order.confirmed process' && s.attributes['polyshop.service'] === 'notifications',
          ),
      { timeoutMs: 20_000, message: "notifications' span of order.confirmed" },
    );
    await platform.dispose(); // flushes what is left
    platform = undefined;
    spans = receiver.trace(traceId);
    console.log(`trace ${traceId}: ${spans.length} spans\n${traceTree(spans)}`);
  });
  after(async () => {
    await platform?.dispose();
    await receiver?.close();
  });

  it("has one root, orders' POST /orders, and every other span's parent is in the trace", () => {
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    assert.equal(roots.length, 1, `roots: ${roots.map((s) => s.name).join(', ')}`);
    const [root] = roots;
    assert.equal(root!.parentSpanId || undefined, undefined, 'the root has no parent at all');
    assert.equal(root!.kind, SERVER);
    assert.match(root!.name, /^POST \/orders\/?$/);
    assert.equal(root!.attributes['polyshop.service'], 'orders');
    assert.equal(root!.attributes['http.response.status_code'], 201);
    assert.equal(new Set(spans.map((s) => s.spanId)).size, spans.length, 'span ids are unique');
    assert.ok(spans.every((s) => s.resourceService === 'polyshop'));
  });

  it('reaches orders, inventory, payments and notifications', () => {
    const services = new Set(spans.map((s) => s.attributes['polyshop.service']));
    for (const service of ['orders', 'inventory', 'payments', 'notifications'])
      assert.ok(services.has(service), `no span of ${service}: ${[...services].join(', ')}`);
  });

  it("has notifications' handling of order.confirmed under orders' publication of it", () => {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const handling = spans.find(
      (s) => s.name === 'order.confirmed process' && s.attributes['polyshop.service'] === 'notifications',
    )!;
    assert.equal(handling.kind, CONSUMER);
    assert.equal(handling.attributes['messaging.destination.name'], 'order.confirmed');
    const ancestry: string[] = [];
    for (let s = byId.get(handling.parentSpanId!); s; s = byId.get(s.parentSpanId ?? ''))
      ancestry.push(`${s.name} [${String(s.attributes['polyshop.service'])}]`);
    assert.ok(ancestry.length > 0 && ancestry.at(-1)!.startsWith('POST /orders'), ancestry.join(' < '));
    assert.equal(ancestry[0], 'order.confirmed publish [orders]', ancestry.join(' < '));
    assert.ok(
      ancestry.slice(1).some((a) => a.endsWith('[orders]')),
      `emitted under an orders span: ${ancestry.join(' < ')}`,
    );
    // what the handler stored is traced under its span
    const underHandling = spans.filter((s) => s.parentSpanId === handling.spanId);
    assert.ok(
      underHandling.some((s) => s.attributes['db.system.name'] === 'postgresql'),
      `store operations under the handling: ${underHandling.map((s) => s.name).join(', ')}`,
    );
  });

  it("has store operations as spans under each service's work", () => {
    const stores = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    for (const service of ['orders', 'inventory', 'payments', 'notifications']) {
      const own = stores.filter((s) => s.attributes['polyshop.service'] === service);
      assert.ok(own.length > 0, `no store span of ${service}`);
      assert.ok(own.every((s) => s.attributes['polyshop.store'] === 'pglite'));
      const statements = own.filter(
        (s) => !['transaction', 'exec'].includes(String(s.attributes['db.operation.name'])),
      );
      assert.ok(
        statements.length > 0 && statements.every((s) => typeof s.attributes['db.query.text'] === 'string'),
      );
    }
    const inventoryCall = spans.find(
      (s) => s.attributes['polyshop.service'] === 'inventory' && !s.attributes['db.system.name'],
    )!;
    assert.ok(inventoryCall, 'a span of the call into inventory');
  });
});

describe('tracing off by default', () => {
  it('starts only with an OTLP endpoint in the environment', () => {
    assert.equal(tracesEndpoint({}), undefined);
    assert.equal(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }),
      'http://c:4318/v1/traces',
    );
    assert.equal(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/custom',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x',
      }),
      'http://c:4318/custom',
    );
    assert.equal(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
      undefined,
    );
    assert.equal(
      tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }),
      undefined,
    );
  });

  it('leaves events without a trace context once tracing is shut down', () => {
    const event = createEvent(
      'test',
      { type: 't.x', aggregateType: 't', aggregateId: '1', data: {} },
      systemClock,
    );
    assert.equal(event.traceContext, undefined);
  });
});
