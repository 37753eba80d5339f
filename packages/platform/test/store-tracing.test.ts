import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  openDynamo,
  openMongo,
  openOpenSearch,
  polyshopTracer,
  setStoreTracing,
  withTracedService,
  type DynamoConnection,
  type MongoConnection,
} from '@polyshop/stores';
import { skipReason, testServerUrl } from '@polyshop/testing';

const mongoUrl = testServerUrl('POLYSHOP_TEST_MONGODB_URL');
const dynamoEndpoint = testServerUrl('POLYSHOP_TEST_DYNAMODB_ENDPOINT');
const openSearchUrl = testServerUrl('POLYSHOP_TEST_OPENSEARCH_URL');

/**
 * Issue 16 (traces): with tracing on, MongoDB commands, DynamoDB calls and OpenSearch requests are spans, children of the
 * work that sent them and labelled with its service; outside a live span they add nothing.
 */
describe('store operations on MongoDB, DynamoDB and OpenSearch are spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  before(() => {
    provider.register();
    setStoreTracing(true);
  });
  after(async () => {
    setStoreTracing(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  /** Runs `work` in a span of `service`; resolves to that span's id. */
  async function inServiceSpan(service: string, work: () => Promise<unknown>): Promise<string> {
    const span = polyshopTracer().startSpan('test work');
    await context.with(withTracedService(trace.setSpan(context.active(), span), service), work);
    span.end();
    return span.spanContext().spanId;
  }
  const childrenOf = (spanId: string) =>
    exporter.getFinishedSpans().filter((s) => s.parentSpanContext?.spanId === spanId);

  it(
    'MongoDB: a span per command under the work that sent it',
    { skip: skipReason('POLYSHOP_TEST_MONGODB_URL', mongoUrl) },
    async () => {
      const mongo: MongoConnection = await openMongo({
        url: mongoUrl!,
        database: `trace_${randomUUID().slice(0, 8)}`,
      });
      try {
        const before = exporter.getFinishedSpans().length;
        await mongo.db.collection('untraced').findOne({});
        assert.equal(exporter.getFinishedSpans().length, before, 'a command outside any span is not traced');
        const parent = await inServiceSpan('products', async () => {
          await mongo.db.collection('things').insertOne({ _id: randomUUID() } as never);
          await mongo.db.collection('things').findOne({});
        });
        const spans = childrenOf(parent);
        assert.deepEqual(
          spans.map((s) => s.name),
          ['mongodb insert', 'mongodb find'],
        );
        for (const span of spans) {
          assert.equal(span.attributes['db.system.name'], 'mongodb');
          assert.equal(span.attributes['db.collection.name'], 'things');
          assert.equal(span.attributes['polyshop.service'], 'products');
          assert.equal(span.attributes['polyshop.store'], 'mongodb');
        }
        await mongo.db.dropDatabase();
      } finally {
        await mongo.close();
      }
    },
  );

  it(
    'DynamoDB: a span per call under the work that sent it',
    { skip: skipReason('POLYSHOP_TEST_DYNAMODB_ENDPOINT', dynamoEndpoint) },
    async () => {
      const dynamo: DynamoConnection = openDynamo({ endpoint: dynamoEndpoint! });
      try {
        const parent = await inServiceSpan('inventory', () => dynamo.client.send(new ListTablesCommand({})));
        const spans = childrenOf(parent);
        assert.deepEqual(
          spans.map((s) => s.name),
          ['dynamodb ListTables'],
        );
        assert.equal(spans[0]!.attributes['db.system.name'], 'aws.dynamodb');
        assert.equal(spans[0]!.attributes['polyshop.service'], 'inventory');
        assert.equal(spans[0]!.attributes['polyshop.store'], 'dynamodb');
      } finally {
        dynamo.close();
      }
    },
  );

  it(
    'OpenSearch: a span per request under the work that sent it',
    { skip: skipReason('POLYSHOP_TEST_OPENSEARCH_URL', openSearchUrl) },
    async () => {
      const search = openOpenSearch({ url: openSearchUrl! });
      const index = `trace-${randomUUID().slice(0, 8)}`;
      try {
        const parent = await inServiceSpan('search', async () => {
          await search.client.indices.create({ index });
          await search.client.search({ index, body: { query: { match_all: {} } } });
        });
        const spans = childrenOf(parent);
        assert.deepEqual(
          spans.map((s) => s.name),
          [`opensearch PUT /${index}`, `opensearch POST /${index}`],
        );
        for (const span of spans) {
          assert.equal(span.attributes['db.system.name'], 'opensearch');
          assert.equal(span.attributes['polyshop.service'], 'search');
          assert.equal(span.attributes['http.response.status_code'], 200);
        }
      } finally {
        await search.client.indices.delete({ index }).catch(() => undefined);
        await search.close();
      }
    },
  );
});
