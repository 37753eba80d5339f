import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, type EventEnvelope } from '@polyshop/kernel';
import { duplicateKeyIndex, type MongoConnection } from '@polyshop/stores';
import type { Collection } from 'mongodb';
import { NOTIFICATION_COLLECTIONS, type RecordDoc } from './mongo-notification-documents.ts';
import { MongoScope, type StoredDocument, type UndoEntry, type UndoJournal } from './mongo-scope.ts';

/** Name of the unique (consumer, eventId) index: the inbox's key. */
export const INBOX_KEY_INDEX = 'inbox_consumer_event';

/**
 * One consumer's handling of one event. `started`: under way (or abandoned by a crashed process:
 * `undo` says how to take its writes back); `done`: handled, a redelivery changes nothing.
 */
export interface InboxDoc {
  consumer: string;
  eventId: string;
  eventType: string;
  status: 'started' | 'done';
  /** The handling that owns the document; every journal entry and the commit are conditional on it. */
  token: string;
  startedAt: Date;
  handledAt?: Date;
  undo?: UndoEntry[];
}

export interface MongoInboxOptions {
  /** How long a `started` handling is left to its owner before a redelivery takes it over. Default 15 s. */
  leaseMs?: number;
  /** How often a redelivery looks again while another handling holds the lease. Default 100 ms. */
  pollMs?: number;
}

/**
 * `handleOnce` on MongoDB: the work and the `(consumer, eventId)` mark are one unit.
 *
 * - **With transactions** (replica set, mongos): the inbox document and the work's writes commit in
 *   one transaction; a redelivery's insert hits the unique key and the event is skipped.
 * - **Without** (a standalone server, mongo-java-server): the inbox document is written first, as
 *   `started` with a token; the unique key lets one handling own the event. Every write of the work
 *   first records, in that document, the state it replaces (conditional on the token), and records
 *   the work creates are held back from delivery. The commit sets the document `done` (conditional on
 *   the token: the commit point), then releases the held records. If the work fails, its writes are
 *   undone and the document deleted, so a redelivery runs it again from scratch. If the process dies
 *   mid-work, the redelivery (at-least-once) finds the document `started`, waits for its lease to run
 *   out, takes it over with a new token — which fences the old owner out of further journal entries
 *   and out of the commit — undoes the recorded writes and runs the work again. Dying after the commit
 *   leaves held records, which the redelivery releases. So a redelivered event never sends twice.
 */
export class MongoNotificationInbox {
  readonly #connection: Pick<MongoConnection, 'client' | 'db' | 'supportsTransactions'>;
  readonly #inbox: Collection<InboxDoc>;
  readonly #records: Collection<RecordDoc>;
  readonly #leaseMs: number;
  readonly #pollMs: number;

  constructor(
    connection: Pick<MongoConnection, 'client' | 'db' | 'supportsTransactions'>,
    options: MongoInboxOptions = {},
  ) {
    this.#connection = connection;
    this.#inbox = connection.db.collection<InboxDoc>(NOTIFICATION_COLLECTIONS.inbox);
    this.#records = connection.db.collection<RecordDoc>(NOTIFICATION_COLLECTIONS.records);
    this.#leaseMs = options.leaseMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 100;
  }

  /** Runs `work` once per (consumer, event id) with a scope its writes go through; false when handled before. */
  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (scope: MongoScope) => Promise<void>,
  ): Promise<boolean> {
    return this.#connection.supportsTransactions
      ? this.#inTransaction(consumer, event, work)
      : this.#journaled(consumer, event, work);
  }

  async #inTransaction(
    consumer: string,
    event: EventEnvelope,
    work: (scope: MongoScope) => Promise<void>,
  ): Promise<boolean> {
    const session = this.#connection.client.startSession();
    try {
      await session.withTransaction(async () => {
        const now = new Date();
        await this.#inbox.insertOne(
          {
            consumer,
            eventId: event.id,
            eventType: event.type,
            status: 'done',
            token: randomUUID(),
            startedAt: now,
            handledAt: now,
          },
          { session },
        );
        await work(new MongoScope(this.#connection.db, { session }));
      });
      return true;
    } catch (error) {
      if (duplicateKeyIndex(error) === INBOX_KEY_INDEX) return false;
      throw error;
    } finally {
      await session.endSession();
    }
  }

  async #journaled(
    consumer: string,
    event: EventEnvelope,
    work: (scope: MongoScope) => Promise<void>,
  ): Promise<boolean> {
    const key = { consumer, eventId: event.id };
    const token = randomUUID();
    if (!(await this.#own(key, event.type, token))) return false;
    const owned = { ...key, token, status: 'started' as const };
    const journal: UndoJournal = {
      token,
      record: async (entry) => {
        const recorded = await this.#inbox.updateOne(owned, { $push: { undo: entry } });
        if (recorded.matchedCount === 0) throw this.#fencedOut(key);
      },
    };
    try {
      await work(new MongoScope(this.#connection.db, { journal }));
    } catch (error) {
      await this.#abandon(owned);
      throw error;
    }
    const committed = await this.#inbox.updateOne(owned, {
      $set: { status: 'done', handledAt: new Date() },
      $unset: { undo: '' },
    });
    if (committed.matchedCount === 0) throw this.#fencedOut(key);
    await this.#release(token);
    return true;
  }

  /** Makes `token` the owner of the event's handling; false when it was handled already. */
  async #own(key: { consumer: string; eventId: string }, eventType: string, token: string): Promise<boolean> {
    for (;;) {
      try {
        await this.#inbox.insertOne({
          ...key,
          eventType,
          status: 'started',
          token,
          startedAt: new Date(),
          undo: [],
        });
        return true;
      } catch (error) {
        if (duplicateKeyIndex(error) === undefined) throw error;
      }
      const existing = await this.#inbox.findOne(key);
      if (!existing) continue; // its handling failed and was undone meanwhile: try again
      if (existing.status === 'done') {
        await this.#release(existing.token); // a crash between its commit and its release
        return false;
      }
      const expiresAt = existing.startedAt.getTime() + this.#leaseMs;
      if (Date.now() < expiresAt) {
        // another handling is under way, or died recently: wait for it to finish or for its lease to run out
        await sleep(Math.min(this.#pollMs, expiresAt - Date.now()));
        continue;
      }
      const taken = await this.#inbox.findOneAndUpdate(
        { ...key, token: existing.token, status: 'started' },
        { $set: { token, startedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (!taken) continue; // someone else took it over, or it committed: look again
      // The old owner can no longer record or commit; take back what it wrote, then start afresh.
      await this.#undo(taken.undo ?? []);
      await this.#inbox.updateOne({ ...key, token }, { $set: { undo: [] } });
      return true;
    }
  }

  /** Undoes a failed handling's writes and gives the event up (a redelivery runs it again). */
  async #abandon(owned: { consumer: string; eventId: string; token: string }): Promise<void> {
    // If this fails too, the document stays `started` and the next redelivery undoes it after the lease.
    const mine = await this.#inbox.findOne(owned);
    if (!mine) return; // taken over: the new owner undid these writes
    await this.#undo(mine.undo ?? []);
    await this.#inbox.deleteOne(owned);
  }

  /** Applies undo entries newest first; each document only while its latest write is the one undone. */
  async #undo(entries: readonly UndoEntry[]): Promise<void> {
    for (const entry of [...entries].reverse()) {
      const collection = this.#connection.db.collection<StoredDocument>(entry.collection);
      const before = new Map(entry.before.map((document) => [document._id, document]));
      for (const id of entry.ids) {
        const prior = before.get(id);
        if (entry.deleted) {
          if (prior)
            await collection.insertOne(prior).catch((error: unknown) => {
              if (duplicateKeyIndex(error) === undefined) throw error;
            });
        } else if (prior) {
          await collection.replaceOne({ _id: id, stamp: entry.stamp }, prior);
        } else {
          await collection.deleteOne({ _id: id, stamp: entry.stamp });
        }
      }
    }
  }

  /** Lets the delivery worker have the records a committed handling created. */
  async #release(token: string): Promise<void> {
    await this.#records.updateMany({ held: token }, { $unset: { held: '' } });
  }

  #fencedOut(key: { consumer: string; eventId: string }): AppError {
    return AppError.unavailable(
      'NOTIFICATIONS.HANDLING_TAKEN_OVER',
      `Handling of event ${key.eventId} by ${key.consumer} outlived its lease and was taken over; the redelivery decides.`,
    );
  }
}
