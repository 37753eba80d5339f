import type { EventEnvelope } from '@polyshop/kernel';
import type {
  ChannelDelivery,
  ChannelType,
  NotificationRecord,
  NotificationStatus,
} from '../domain/notification.ts';
import type { NotificationPreferences } from '../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../domain/recipient.ts';
import type { NotificationTemplate, TemplateContent } from '../domain/template.ts';

/** Filters of the delivery log (`GET /notifications`); every given filter must match. */
export interface NotificationQuery {
  userId?: string;
  type?: string;
  status?: NotificationStatus;
  /** Created at or after (ISO 8601). */
  from?: string;
  /** Created before (ISO 8601). */
  to?: string;
  /** Page size. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of records, newest first. */
export interface NotificationPage {
  items: NotificationRecord[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** A record whose due channels one delivery worker now holds (until the lease lapses). */
export interface ClaimedNotification {
  record: NotificationRecord;
  channels: ChannelType[];
}

/** The delivery log: one document per notification. */
export interface NotificationRecordStore {
  /** Stores a new record. */
  create(record: NotificationRecord): Promise<void>;
  /** The record, or undefined. */
  find(id: string): Promise<NotificationRecord | undefined>;
  /**
   * Records matching the query, newest first, one page at a time. An unreadable cursor is an `invalid_input`
   * error on `cursor`.
   */
  list(query: NotificationQuery): Promise<NotificationPage>;
  /**
   * Claims up to `limit` records with a pending channel of one of `channels` due at `now`, earliest
   * first: each such channel's next attempt moves to `leaseUntil`, so no other worker takes it
   * meanwhile, and a crashed worker's claim lapses then. Records another worker is claiming at the
   * same moment are skipped, not waited for. Due channels of other types stay as they are.
   */
  claimDue(
    now: Date,
    leaseUntil: Date,
    limit: number,
    channels: readonly ChannelType[],
  ): Promise<ClaimedNotification[]>;
  /**
   * Replaces one channel's delivery state (the outcome of an attempt), recomputing status and
   * retry count, atomically with respect to updates of the record's other channels. Only a
   * `pending` channel changes; returns undefined when the record is gone or the channel was settled.
   */
  updateChannel(id: string, channel: ChannelDelivery, now: Date): Promise<NotificationRecord | undefined>;
  /** Removes a user's personal data from all their records (see `eraseRecipientData`); returns how many. */
  eraseRecipient(userId: string, now: Date): Promise<number>;
}

/** Template versions per notification type and channel. Versions are immutable. */
export interface TemplateStore {
  /** Saves `content` as the next version of (type, channel) and returns it; concurrent saves get distinct versions. */
  saveVersion(
    type: string,
    channel: ChannelType,
    content: TemplateContent,
    by: { createdBy: string | null; now: Date },
  ): Promise<NotificationTemplate>;
  /** Saves version 1 unless (type, channel) has a version already (idempotent seeding); true when saved. */
  createInitial(template: Omit<NotificationTemplate, 'version'>): Promise<boolean>;
  /** The latest version, or undefined. */
  findLatest(type: string, channel: ChannelType): Promise<NotificationTemplate | undefined>;
  /** The latest version of each of `channels` that has one, in the order of `channels` (one read). */
  findLatestOf(type: string, channels: readonly ChannelType[]): Promise<NotificationTemplate[]>;
  /** One version, or undefined. */
  findVersion(type: string, channel: ChannelType, version: number): Promise<NotificationTemplate | undefined>;
  /** The latest version of every (type, channel), ordered by type then channel. */
  listLatest(): Promise<NotificationTemplate[]>;
  /** Every version of (type, channel), newest first. */
  listVersions(type: string, channel: ChannelType): Promise<NotificationTemplate[]>;
}

/** Per-user channel preferences. */
export interface PreferenceStore {
  /** Saved preferences, or undefined when the user never saved any. */
  find(userId: string): Promise<NotificationPreferences | undefined>;
  /** Creates or replaces them; returns what was stored. */
  save(preferences: NotificationPreferences): Promise<NotificationPreferences>;
  /** Deletes them (erasure); a no-op when there are none. */
  delete(userId: string): Promise<void>;
}

/** The recipient projection built from events (see `KnownRecipient`, `OrderRecipient`). */
export interface RecipientStore {
  /** The user as last seen, or undefined. */
  find(userId: string): Promise<KnownRecipient | undefined>;
  /** Records or updates a user's address; a `null` name keeps the known one; an erased user stays erased. */
  remember(recipient: { userId: string; email: string | null; name: string | null }): Promise<void>;
  /** Erases the user: blanks their address here and on their orders, and keeps a tombstone. */
  erase(userId: string, now: Date): Promise<void>;
  /** Records or updates whose an order is. */
  rememberOrder(order: OrderRecipient): Promise<void>;
  /** Whose the order is, or undefined when no order event named it. */
  findOrder(orderId: string): Promise<OrderRecipient | undefined>;
}

/**
 * The notification service's storage: delivery log, templates, preferences and the recipient
 * projection. Adapters: PostgreSQL (JSONB documents) now, MongoDB later, behind the same contract suite.
 */
export interface NotificationRepository {
  readonly records: NotificationRecordStore;
  readonly templates: TemplateStore;
  readonly preferences: PreferenceStore;
  readonly recipients: RecipientStore;
  /**
   * Runs `work` at most once per (consumer, event id): the repository it receives writes in one
   * unit with the mark that the consumer handled the event, so a redelivered event is skipped and a
   * failed `work` leaves nothing behind. Resolves to false when the event was handled before.
   */
  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (repository: NotificationRepository) => Promise<void>,
  ): Promise<boolean>;
  /** Rejects when the store is unreachable. */
  ping(): Promise<void>;
}
