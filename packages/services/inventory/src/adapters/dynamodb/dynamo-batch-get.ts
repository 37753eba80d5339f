import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '@polyshop/kernel';
import type { ItemKey } from './dynamo-inventory-items.ts';
import { backoff } from './dynamo-retry.ts';

/** `BatchGetItem` takes at most 100 keys. */
const MAX_KEYS_PER_BATCH = 100;
const MAX_ROUNDS = 10;

/**
 * Reads items by key with `BatchGetItem`, 100 keys per request, asking again for the keys DynamoDB
 * left unprocessed (throttling, 16 MB responses) with backoff. Missing items are left out; the order
 * of the result is not the order of `keys`.
 */
export async function batchGetItems<T>(
  documents: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
  options: { consistent: boolean },
): Promise<T[]> {
  const found: T[] = [];
  for (let start = 0; start < keys.length; start += MAX_KEYS_PER_BATCH) {
    let pending: Record<string, unknown>[] = keys
      .slice(start, start + MAX_KEYS_PER_BATCH)
      .map((key) => ({ ...key }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_ROUNDS) {
        throw AppError.unavailable(
          'INVENTORY.STORE_BUSY',
          'DynamoDB kept leaving keys of a batch read unprocessed; retry later.',
        );
      }
      if (round > 0) await backoff(round);
      const result = await documents.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: options.consistent } },
        }),
      );
      found.push(...((result.Responses?.[tableName] ?? []) as T[]));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return found;
}
