import { randomUUID } from 'node:crypto';
import type { EventPublisher, Logger } from '@polyshop/kernel';
import { OUTBOX_RETENTION_MS, PollingRelay, type RelayBatch } from '../polling-relay.ts';
import type { MongoOutbox, OutboxDocument } from './mongo-outbox.ts';

export interface MongoOutboxRelayOptions {
  outbox: MongoOutbox;
  publisher: EventPublisher;
  logger: Logger;
  /** Poll interval when idle; `wake()` publishes sooner. Default 250 ms. */
  intervalMs?: number;
  batchSize?: number;
  /**
   * How long a `pending` event may wait for its writer before it is reconciled (published if its
   * change happened, dropped if not). Longer than any write takes. Default 30 s.
   */
  graceMs?: number;
  /** How long the publishing lease lasts without renewal (a crashed relay's lease expires). Default 15 s. */
  leaseMs?: number;
  /** How long a published event is kept before `prune()` deletes it (default 7 days). */
  retentionMs?: number;
  /** How often the lease holder prunes (default once a minute). */
  pruneEveryMs?: number;
}

/**
 * Publishes a MongoDB outbox in `seq` order, one event at a time, marking each `published` after
 * the bus accepted it (at-least-once: a crash in between republishes it; consumers de-duplicate on
 * the event id). One relay per outbox publishes at a time: it holds a lease document in the
 * outbox's meta collection, renewed on every batch.
 *
 * A `pending` event stops the walk until its writer confirms it or the grace period passes (a later
 * event may be the next change of the same aggregate); then it is reconciled: published when the
 * probed document carries the write's mark, dropped otherwise.
 *
 * Published events are kept `retentionMs` (7 days, the NATS stream's age), then pruned by the lease
 * holder (`prune()`, once a minute).
 */
export class MongoOutboxRelay extends PollingRelay {
  readonly #options: Required<Omit<MongoOutboxRelayOptions, 'logger' | 'pruneEveryMs'>> & { logger: Logger };
  readonly #owner = randomUUID();

  constructor(options: MongoOutboxRelayOptions) {
    const resolved = {
      intervalMs: 250,
      batchSize: 100,
      graceMs: 30_000,
      leaseMs: 15_000,
      retentionMs: OUTBOX_RETENTION_MS,
      ...options,
    };
    super(resolved);
    this.#options = resolved;
  }

  protected async releaseLease(): Promise<void> {
    await this.#options.outbox.meta
      .updateOne({ _id: 'relay', owner: this.#owner }, { $set: { expiresAt: new Date(0) } })
      // Best effort: a lease not handed back expires on its own, it only delays the next relay.
      .catch(() => undefined);
  }

  protected describe(): Record<string, unknown> {
    return { outbox: this.#options.outbox.collection.collectionName };
  }

  /**
   * Deletes published events older than `retentionMs`, under the lease: each step reads the oldest
   * published documents by `seq` (the `status, seq` index, so a step reads a bounded number) and
   * deletes those published before the cut-off (`pruneInSteps`).
   */
  override async prune(): Promise<number> {
    const { outbox, retentionMs } = this.#options;
    if (!(await this.#lease())) return 0;
    const cutoff = new Date(Date.now() - retentionMs);
    return this.pruneInSteps(async (limit) => {
      const oldest = await outbox.collection
        .find({ status: 'published' }, { projection: { publishedAt: 1 } })
        .sort({ seq: 1 })
        .limit(limit)
        .toArray();
      const expired = oldest.filter((document) => document.publishedAt && document.publishedAt < cutoff);
      if (expired.length === 0) return 0;
      const deleted = await outbox.collection.deleteMany({
        _id: { $in: expired.map((document) => document._id) },
        status: 'published',
      });
      return deleted.deletedCount;
    });
  }

  /** Takes or renews the lease; false while another relay holds an unexpired one. */
  async #lease(): Promise<boolean> {
    const now = new Date();
    try {
      await this.#options.outbox.meta.updateOne(
        { _id: 'relay', $or: [{ owner: this.#owner }, { expiresAt: { $lt: now } }] },
        { $set: { owner: this.#owner, expiresAt: new Date(now.getTime() + this.#options.leaseMs) } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      // the upsert collides with the lease document another relay holds
      if ((error as { code?: number }).code === 11000) return false;
      throw error;
    }
  }

  /** One batch in `seq` order; `more` when a full batch went through (there may be more to do now). */
  protected async publishBatch(): Promise<RelayBatch> {
    const { outbox, publisher, batchSize, graceMs } = this.#options;
    if (!(await this.#lease())) return { published: 0, more: false };
    const documents = await outbox.collection
      .find({ status: { $in: ['pending', 'ready'] } })
      .sort({ seq: 1 })
      .limit(batchSize)
      .toArray();
    let published = 0;
    for (const document of documents) {
      if (document.status === 'pending') {
        // waiting for its writer: a later event may be the next change of the same aggregate
        if (Date.now() - document.stagedAt.getTime() < graceMs) return { published, more: false };
        const outcome = await this.#reconcile(document);
        if (outcome === 'retry') return { published, more: false };
        if (outcome === 'dropped') continue;
      }
      await publisher.publish(document.envelope);
      await outbox.collection.updateOne(
        { _id: document._id },
        { $set: { status: 'published', publishedAt: new Date() } },
      );
      published += 1;
    }
    return { published, more: documents.length === batchSize };
  }

  /** A pending event past its grace period: published if its change happened, else dropped. */
  async #reconcile(document: OutboxDocument): Promise<'publish' | 'dropped' | 'retry'> {
    const { outbox, logger } = this.#options;
    if (await outbox.happened(document)) return 'publish';
    const dropped = await outbox.collection.deleteOne({ _id: document._id, status: 'pending' });
    // not deleted: its writer confirmed it meanwhile; read it again next round, in order
    if (dropped.deletedCount === 0) return 'retry';
    logger.warn(
      { eventId: document._id, type: document.type },
      'mongo outbox: dropped an event whose change never happened',
    );
    return 'dropped';
  }
}
