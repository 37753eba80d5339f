import { randomUUID } from 'node:crypto';
import type { ClientSession, Collection, Db, Document, Filter } from 'mongodb';

/** Any document of this service's collections: every `_id` is a string. */
export type StoredDocument = Document & { _id: string };

/**
 * How to take back one write: put the documents `ids` of `collection` back as they were (`before`;
 * an id missing there did not exist and is deleted), each only while its latest write is still this
 * one (`stamp`). A delete is taken back by inserting `before` again unless the id exists by then.
 */
export interface UndoEntry {
  collection: string;
  stamp: string;
  ids: string[];
  before: StoredDocument[];
  deleted?: boolean;
}

/** Where a handling without a transaction records how to undo each write before making it. */
export interface UndoJournal {
  /** The handling's token: records it creates are held under it until it commits. */
  readonly token: string;
  /** Records an entry; rejects when the handling no longer owns its inbox document (fenced out). */
  record(entry: UndoEntry): Promise<void>;
}

/** The documents a write is about to change: by id (with their current state when already read), or by filter. */
export type WriteTarget =
  { ids: string[]; before?: StoredDocument[]; deleting?: boolean } | { filter: Filter<StoredDocument> };

export const newStamp = (): string => randomUUID();

/**
 * Where the Mongo stores run their operations: on the database, in an inbox handling's transaction
 * (`session`), or in an inbox handling without a transaction (`journal`: each write is recorded with
 * the state it replaces first, so that a failed or abandoned handling can be undone).
 */
export class MongoScope {
  readonly db: Db;
  readonly session: ClientSession | undefined;
  readonly journal: UndoJournal | undefined;

  constructor(db: Db, context: { session?: ClientSession; journal?: UndoJournal } = {}) {
    this.db = db;
    this.session = context.session;
    this.journal = context.journal;
  }

  /** Options every operation passes (the session, inside a transaction). */
  get options(): { session?: ClientSession } {
    return this.session ? { session: this.session } : {};
  }

  /**
   * Call right before a write: returns the stamp the write must set on every document it writes and,
   * in a journaled handling, first records the documents' current state to undo it by.
   */
  async prepareWrite<T extends Document>(target: Collection<T>, what: WriteTarget): Promise<string> {
    const stamp = newStamp();
    if (!this.journal) return stamp;
    const collection = target as unknown as Collection<StoredDocument>;
    if ('filter' in what) {
      const before = await collection.find(what.filter).toArray();
      await this.journal.record({
        collection: collection.collectionName,
        stamp,
        ids: before.map((document) => document._id),
        before,
      });
    } else {
      const before = what.before ?? (await collection.find({ _id: { $in: what.ids } }).toArray());
      await this.journal.record({
        collection: collection.collectionName,
        stamp,
        ids: what.ids,
        before,
        ...(what.deleting ? { deleted: true } : {}),
      });
    }
    return stamp;
  }
}
