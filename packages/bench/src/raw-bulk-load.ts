import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  singleTableDefinition,
  type DynamoConnection,
  type MongoConnection,
  type OpenSearchConnection,
} from '@polyshop/stores';
import { quantile, type LoadResult } from './measure.ts';

/** One record as a raw bulk load writes it: its kind, key, version and canonical form (plain JSON). */
export interface RawDocument {
  kind: string;
  key: string;
  version: number;
  canonical: unknown;
}

/**
 * A store's own bulk write, alone: `load` writes the documents into a fresh collection, table or
 * index (made before the clock starts, removed after it stops), `batchSize` documents per batch, one
 * batch after the other, and reports documents per second and each batch's latency.
 */
export interface RawBulkLoader {
  /** How the store writes in bulk, e.g. `insertMany`. */
  readonly name: string;
  load(documents: readonly RawDocument[], batchSize: number): Promise<LoadResult>;
}

/** The documents in runs of at most `size`, each run of one kind. */
function batchesOf(documents: readonly RawDocument[], size: number): RawDocument[][] {
  const batches: RawDocument[][] = [];
  for (const document of documents) {
    const last = batches.at(-1);
    if (last && last.length < size && last[0]!.kind === document.kind) last.push(document);
    else batches.push([document]);
  }
  return batches;
}

/** Times `write` over each batch: documents per second of the whole run, p50/p99 of a batch. */
async function timeBatches(
  batches: readonly RawDocument[][],
  write: (batch: readonly RawDocument[]) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  let written = 0;
  for (const batch of batches) {
    const at = performance.now();
    await write(batch);
    latencies.push(performance.now() - at);
    written += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: seconds > 0 ? written / seconds : 0,
    ok: written,
    failed: 0,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

const fresh = () => randomBytes(4).toString('hex');

/** MongoDB: `insertMany` (unordered) into a fresh collection per kind; `{ _id: key, version, doc }`. */
export function mongoBulkLoader(connection: MongoConnection): RawBulkLoader {
  return {
    name: 'raw insertMany',
    async load(documents, batchSize) {
      const prefix = `bench_raw_${fresh()}`;
      const kinds = [...new Set(documents.map((document) => document.kind))];
      for (const kind of kinds) await connection.db.createCollection(`${prefix}_${kind}`);
      try {
        return await timeBatches(batchesOf(documents, batchSize), async (batch) => {
          await connection.db.collection(`${prefix}_${batch[0]!.kind}`).insertMany(
            batch.map((document) => ({
              _id: document.key as never,
              version: document.version,
              doc: document.canonical,
            })),
            { ordered: false },
          );
        });
      } finally {
        for (const kind of kinds) await connection.db.dropCollection(`${prefix}_${kind}`).catch(() => false);
      }
    },
  };
}

/** DynamoDB's most items per `BatchWriteItem`. */
const BATCH_WRITE_ITEMS = 25;

/**
 * DynamoDB: `BatchWriteItem` into a fresh table (`PK` kind#key, `SK`), each batch as its 25-item
 * requests sent at once (unprocessed items sent again); `{ PK, SK, version, doc }`.
 */
export function dynamoBulkLoader(connection: DynamoConnection): RawBulkLoader {
  return {
    name: 'raw BatchWriteItem',
    async load(documents, batchSize) {
      const tableName = `bench-raw-${fresh()}`;
      await connection.client.send(new CreateTableCommand(singleTableDefinition(tableName)));
      const writeAll = async (requests: Record<string, unknown>[]) => {
        let pending = requests;
        while (pending.length > 0) {
          const answer = await connection.documents.send(
            new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
          );
          pending = answer.UnprocessedItems?.[tableName] ?? [];
        }
      };
      try {
        return await timeBatches(batchesOf(documents, batchSize), async (batch) => {
          const requests = batch.map((document) => ({
            PutRequest: {
              Item: {
                PK: `${document.kind}#${document.key}`,
                SK: 'RECORD',
                version: document.version,
                doc: document.canonical,
              },
            },
          }));
          const chunks: Record<string, unknown>[][] = [];
          for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) {
            chunks.push(requests.slice(i, i + BATCH_WRITE_ITEMS));
          }
          await Promise.all(chunks.map(writeAll));
        });
      } finally {
        await connection.client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      }
    },
  };
}

/**
 * OpenSearch: `_bulk` index requests into a fresh index (1 shard, no replica, dynamic mapping),
 * `{ version, doc }` by `_id` key; an item error fails the run.
 */
export function openSearchBulkLoader(connection: OpenSearchConnection): RawBulkLoader {
  return {
    name: 'raw _bulk',
    async load(documents, batchSize) {
      const index = `bench-raw-${fresh()}`;
      await connection.client.indices.create({
        index,
        body: { settings: { number_of_shards: 1, number_of_replicas: 0 } },
      });
      try {
        return await timeBatches(batchesOf(documents, batchSize), async (batch) => {
          const { body } = await connection.client.bulk({
            body: batch.flatMap((document) => [
              { index: { _index: index, _id: `${document.kind}#${document.key}` } },
              { kind: document.kind, version: document.version, doc: document.canonical },
            ]),
          });
          if (body.errors) {
            const failed = (body.items as { index?: { error?: unknown } }[]).find(
              (item) => item.index?.error,
            );
            throw new Error(`raw _bulk failed: ${JSON.stringify(failed?.index?.error)}`);
          }
        });
      } finally {
        await connection.client.indices.delete({ index }).catch(() => undefined);
      }
    },
  };
}
