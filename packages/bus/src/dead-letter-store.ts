import type { EventEnvelope } from '@polyshop/kernel';

/** An event a consumer kept failing on, kept until someone replays it. */
export interface DeadLetter {
  /** The store's id for it (opaque). */
  id: string;
  consumer: string;
  event: EventEnvelope;
  /** The last failure's message. */
  error: string;
  /** Failed attempts so far (bus attempts plus failed replays). */
  attempts: number;
  failedAt: Date;
  /** When a replay last succeeded; undefined while it is pending. */
  replayedAt: Date | undefined;
}

/** A failure to record. */
export interface NewDeadLetter {
  consumer: string;
  event: EventEnvelope;
  error: string;
  attempts: number;
}

export interface DeadLetterFilter {
  consumer?: string;
  /** true: only those not replayed yet; false: only replayed ones; omitted: both. */
  pending?: boolean;
  /** At most this many, newest first. Default 100. */
  limit?: number;
}

/** Where dead letters are kept (the platform's, in its own store). */
export interface DeadLetterStore {
  /**
   * Records a failure. The same consumer and event again updates the one letter: its error and
   * failure time, attempts added up, and pending again.
   */
  record(letter: NewDeadLetter): Promise<DeadLetter>;
  /** Letters matching the filter, most recently failed first. */
  list(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** The letter, or undefined (also for an id this store could never have issued). */
  find(id: string): Promise<DeadLetter | undefined>;
  /** Marks it replayed at `at`; undefined when there is no such letter. */
  markReplayed(id: string, at: Date): Promise<DeadLetter | undefined>;
}
