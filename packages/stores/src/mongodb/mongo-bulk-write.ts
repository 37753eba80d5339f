import {
  MongoBulkWriteError,
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type Collection,
  type Document,
} from 'mongodb';
import { duplicateKeyIndex } from './mongo-errors.ts';

/** What `bulkWriteSkippingTaken` did: the driver's result, and the operations the `_id` index refused. */
export interface BulkWriteOutcome {
  /** Undefined when every operation failed on the `_id` index (the driver reports no result then). */
  result: BulkWriteResult | undefined;
  /** Indexes (into the operations) of the inserts and upserts whose `_id` another document held. */
  taken: Set<number>;
}

/**
 * Sends `operations` in one unordered `bulkWrite` (one round trip per batch the driver makes of
 * them, instead of one per operation). An insert or an upsert that meets a document already holding
 * its `_id` (code 11000 on `_id_`: for a write by version, "the stored one is as new or newer") does
 * not fail the call: its index is in `taken`, and the other operations still ran. Any other error is
 * thrown. Read `result.upsertedIds` by index only when the operations are all of one type: the
 * driver sends an unordered bulk grouped by type, and the indexes it reports for a mixed one (seen
 * on the test server) are those within the group.
 */
export async function bulkWriteSkippingTaken<T extends Document>(
  collection: Collection<T>,
  operations: AnyBulkWriteOperation<T>[],
): Promise<BulkWriteOutcome> {
  if (operations.length === 0) return { result: undefined, taken: new Set() };
  try {
    return { result: await collection.bulkWrite(operations, { ordered: false }), taken: new Set() };
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const failures = [error.writeErrors].flat();
    const onId = (failure: (typeof failures)[number]) =>
      duplicateKeyIndex({ code: failure.code, message: failure.errmsg }) === '_id_';
    if (failures.length === 0 || !failures.every(onId)) {
      throw error;
    }
    return { result: error.result, taken: new Set(failures.map((failure) => failure.index)) };
  }
}
