import { AppError, type EventEnvelope } from '@polyshop/kernel';
import type { MigrationSide, MovableStore, MovableStores } from '@polyshop/migration';
import type { ChannelDelivery, ChannelType, NotificationRecord } from '../../domain/notification.ts';
import type { NotificationPreferences } from '../../domain/preferences.ts';
import type { KnownRecipient, OrderRecipient } from '../../domain/recipient.ts';
import type { NotificationTemplate, TemplateContent } from '../../domain/template.ts';
import type {
  ClaimedNotification,
  NotificationPage,
  NotificationQuery,
  NotificationRecordStore,
  NotificationRepository,
  PreferenceStore,
  RecipientStore,
  TemplateStore,
} from '../../ports/notification-repository.ts';
import {
  inboxKey,
  NOTIFICATION_KINDS,
  templateKey,
  type NotificationKind,
} from './notification-migration-kinds.ts';

/** A side that can also say which keys an erasure rewrote (both notification sides can). */
export interface NotificationSide extends MigrationSide {
  recordKeysOfUser(userId: string): Promise<string[]>;
  orderKeysOfUser(userId: string): Promise<string[]>;
}

/** One store of the notification service, open: its repository and its migration side. */
export interface OpenNotificationStore extends MovableStore {
  repository: NotificationRepository;
  side: NotificationSide;
}

/** The keys one write touched, per kind, to copy to the mirror once it committed. */
class Touched {
  readonly #keys = new Map<NotificationKind, Set<string>>();
  readonly #erased = new Set<string>();

  add(kind: NotificationKind, ...keys: string[]): void {
    let set = this.#keys.get(kind);
    if (!set) this.#keys.set(kind, (set = new Set()));
    for (const key of keys) set.add(key);
  }

  /** An erasure rewrote every record and order of the user (found once it committed). */
  erased(userId: string): void {
    this.#erased.add(userId);
  }

  /** The keys per kind, in copy order, an erasure's records and orders read from the primary. */
  async resolve(primary: NotificationSide): Promise<[string, string[]][]> {
    for (const userId of this.#erased) {
      this.add('records', ...(await primary.recordKeysOfUser(userId)));
      this.add('orders', ...(await primary.orderKeysOfUser(userId)));
    }
    return NOTIFICATION_KINDS.filter((kind) => this.#keys.get(kind)?.size).map((kind) => [
      kind,
      [...this.#keys.get(kind)!],
    ]);
  }
}

/** `repository` with every write noting the keys it touched in `touched` (its reads as they are). */
function tracked(repository: NotificationRepository, touched: Touched): NotificationRepository {
  const { records, templates, preferences, recipients } = repository;
  const recordStore: NotificationRecordStore = {
    async create(record) {
      await records.create(record);
      touched.add('records', record.id);
    },
    find: (id) => records.find(id),
    list: (query) => records.list(query),
    async claimDue(now, leaseUntil, limit, channels) {
      const claimed = await records.claimDue(now, leaseUntil, limit, channels);
      touched.add('records', ...claimed.map((claim) => claim.record.id));
      return claimed;
    },
    async updateChannel(id, channel, now) {
      const updated = await records.updateChannel(id, channel, now);
      if (updated) touched.add('records', id);
      return updated;
    },
    async eraseRecipient(userId, now) {
      const erased = await records.eraseRecipient(userId, now);
      touched.erased(userId);
      return erased;
    },
  };
  const templateStore: TemplateStore = {
    async saveVersion(type, channel, content, by) {
      const saved = await templates.saveVersion(type, channel, content, by);
      touched.add('templates', templateKey(saved.type, saved.channel, saved.version));
      return saved;
    },
    async createInitial(template) {
      const created = await templates.createInitial(template);
      if (created) touched.add('templates', templateKey(template.type, template.channel, 1));
      return created;
    },
    findLatest: (type, channel) => templates.findLatest(type, channel),
    findLatestOf: (type, channels) => templates.findLatestOf(type, channels),
    findVersion: (type, channel, version) => templates.findVersion(type, channel, version),
    listLatest: () => templates.listLatest(),
    listVersions: (type, channel) => templates.listVersions(type, channel),
  };
  const preferenceStore: PreferenceStore = {
    find: (userId) => preferences.find(userId),
    async save(saved) {
      const stored = await preferences.save(saved);
      touched.add('preferences', saved.userId);
      return stored;
    },
    async delete(userId) {
      await preferences.delete(userId);
      touched.add('preferences', userId);
    },
  };
  const recipientStore: RecipientStore = {
    find: (userId) => recipients.find(userId),
    async remember(recipient) {
      await recipients.remember(recipient);
      touched.add('recipients', recipient.userId);
    },
    async erase(userId, now) {
      await recipients.erase(userId, now);
      touched.add('recipients', userId);
      touched.erased(userId);
    },
    async rememberOrder(order) {
      await recipients.rememberOrder(order);
      touched.add('orders', order.orderId);
    },
    findOrder: (orderId) => recipients.findOrder(orderId),
  };
  return {
    records: recordStore,
    templates: templateStore,
    preferences: preferenceStore,
    recipients: recipientStore,
    async handleOnce(consumer, event, work) {
      const handled = await repository.handleOnce(consumer, event, (inner) => work(tracked(inner, touched)));
      // the mark goes with the writes: a redelivery after the source of truth changed is skipped there too
      if (handled) touched.add('inbox', inboxKey(consumer, event.id));
      return handled;
    },
    ping: () => repository.ping(),
  };
}

/** How long an outcome is retried while the engine refuses writes for a moment (well within a lease). */
export const OUTCOME_RETRY_MS = 20_000;

/**
 * Runs `write`, again after a pause while the migration engine refuses it with a 503 (a cut-over held
 * longer than the gate waits, or the control store out of reach for a moment), for up to `withinMs`.
 */
export async function whileMigrationBusy<T>(
  write: () => Promise<T>,
  withinMs = OUTCOME_RETRY_MS,
): Promise<T> {
  const until = Date.now() + withinMs;
  for (let pause = 100; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      return await write();
    } catch (error) {
      const busy =
        error instanceof AppError && error.kind === 'unavailable' && error.code.startsWith('MIGRATION.');
      if (!busy || Date.now() + pause > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * The notification service's repository while it moves between two stores (issue 14), on
 * `MovableStores`: each write — a new record, an event handled through the inbox, a template version,
 * preferences, the recipient projection, and the delivery worker's claims and outcomes — begins
 * through the write gate, goes to the phase's source of truth, and its keys are then copied to the
 * other store by version (a failed copy goes to the repair log, the write still succeeds). Reads go
 * where the phase says.
 *
 * A delivery is sent once across a phase change because its claim is data of the source of truth: the
 * worker claims only there (under the gate), the claim — the channel's next attempt moved to the lease
 * end — is copied with its record, and its outcome is written to whichever store is the source of
 * truth when it arrives (the record with the lease is there: copied by the mirror, or by the repair log
 * before the gate lets writes on a new source of truth go on). So the other store never sees the
 * channel as due while the lease holds, and a failed attempt's retry time moves with the record.
 */
export class RoutedNotificationRepository implements NotificationRepository {
  readonly records: NotificationRecordStore;
  readonly templates: TemplateStore;
  readonly preferences: PreferenceStore;
  readonly recipients: RecipientStore;
  readonly #stores: MovableStores<OpenNotificationStore>;

  constructor(stores: MovableStores<OpenNotificationStore>) {
    this.#stores = stores;
    const reader = () => stores.reader().repository;
    this.records = {
      create: (record: NotificationRecord) => this.#write((r) => r.records.create(record)),
      find: (id: string) => reader().records.find(id),
      list: (query: NotificationQuery): Promise<NotificationPage> => reader().records.list(query),
      claimDue: (
        now: Date,
        leaseUntil: Date,
        limit: number,
        channels: readonly ChannelType[],
      ): Promise<ClaimedNotification[]> =>
        this.#write((r) => r.records.claimDue(now, leaseUntil, limit, channels)),
      // an outcome is held on to through a cut-over: dropped, its lease would lapse and the message go out again
      updateChannel: (id: string, channel: ChannelDelivery, now: Date) =>
        whileMigrationBusy(() => this.#write((r) => r.records.updateChannel(id, channel, now))),
      eraseRecipient: (userId: string, now: Date) =>
        this.#write((r) => r.records.eraseRecipient(userId, now)),
    };
    this.templates = {
      saveVersion: (
        type: string,
        channel: ChannelType,
        content: TemplateContent,
        by: { createdBy: string | null; now: Date },
      ) => this.#write((r) => r.templates.saveVersion(type, channel, content, by)),
      createInitial: (template: Omit<NotificationTemplate, 'version'>) =>
        this.#write((r) => r.templates.createInitial(template)),
      findLatest: (type: string, channel: ChannelType) => reader().templates.findLatest(type, channel),
      findLatestOf: (type: string, channels: readonly ChannelType[]) =>
        reader().templates.findLatestOf(type, channels),
      findVersion: (type: string, channel: ChannelType, version: number) =>
        reader().templates.findVersion(type, channel, version),
      listLatest: () => reader().templates.listLatest(),
      listVersions: (type: string, channel: ChannelType) => reader().templates.listVersions(type, channel),
    };
    this.preferences = {
      find: (userId: string) => reader().preferences.find(userId),
      save: (preferences: NotificationPreferences) => this.#write((r) => r.preferences.save(preferences)),
      delete: (userId: string) => this.#write((r) => r.preferences.delete(userId)),
    };
    this.recipients = {
      find: (userId: string): Promise<KnownRecipient | undefined> => reader().recipients.find(userId),
      remember: (recipient: { userId: string; email: string | null; name: string | null }) =>
        this.#write((r) => r.recipients.remember(recipient)),
      erase: (userId: string, now: Date) => this.#write((r) => r.recipients.erase(userId, now)),
      rememberOrder: (order: OrderRecipient) => this.#write((r) => r.recipients.rememberOrder(order)),
      findOrder: (orderId: string): Promise<OrderRecipient | undefined> =>
        reader().recipients.findOrder(orderId),
    };
  }

  /** Through the source of truth's inbox: the event is handled once, its writes copied after the commit. */
  handleOnce(
    consumer: string,
    event: EventEnvelope,
    work: (repository: NotificationRepository) => Promise<void>,
  ): Promise<boolean> {
    return this.#write((r) => r.handleOnce(consumer, event, work));
  }

  ping(): Promise<void> {
    return this.#stores.ping();
  }

  /** One write on the source of truth (gated), then the copy of what it touched to the other store. */
  #write<T>(work: (repository: NotificationRepository) => Promise<T>): Promise<T> {
    return this.#stores.write(async (primary) => {
      const touched = new Touched();
      const result = await work(tracked(primary.repository, touched));
      return { result, touched: await touched.resolve(primary.side) };
    });
  }
}
