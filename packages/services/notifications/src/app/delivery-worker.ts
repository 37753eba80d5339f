import type { Clock, Logger } from '@polyshop/kernel';
import {
  CHANNEL_TYPES,
  type ChannelDelivery,
  type ChannelType,
  type NotificationRecord,
} from '../domain/notification.ts';
import { afterAttempt, type AttemptOutcome, type RetryPolicy } from '../domain/retry-policy.ts';
import { ChannelDeliveryError, type ChannelSet } from '../ports/notification-channel.ts';
import type { NotificationRepository } from '../ports/notification-repository.ts';

export interface DeliveryWorkerOptions {
  repository: NotificationRepository;
  channels: ChannelSet;
  policy: RetryPolicy;
  clock: Clock;
  logger: Logger;
  /** How often to look for due retries (and lapsed claims) when nothing woke the worker. */
  pollIntervalMs: number;
  /** Deliveries in flight per channel: a slow or failing channel occupies only its own slots. */
  concurrencyPerChannel: number;
  /** How long a claim holds; longer than one attempt may take. */
  leaseMs: number;
  /** Called once each attempt's outcome is recorded: the channel and its new status (metrics). */
  settled?: (channel: ChannelDelivery['type'], status: ChannelDelivery['status']) => void;
}

/**
 * Delivers pending channels: claims due ones from the repository (so several processes share the
 * work and a crashed one's claims lapse), hands each to its channel, and records the outcome —
 * `sent`, a retry after exponential backoff with jitter, or `failed` after the attempt limit.
 * Each channel has its own slots, so an outage of one never holds up the others. All state is in
 * the repository: retries survive restarts.
 */
export class DeliveryWorker {
  readonly #options: DeliveryWorkerOptions;
  readonly #inFlight: Record<ChannelType, number> = { email: 0, sms: 0, push: 0 };
  readonly #deliveries = new Set<Promise<void>>();
  /** `<record id>:<channel>` of the attempts under way here, until their outcome is recorded. */
  readonly #attempting = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #pumping: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.wake();
  }

  /** Look for due deliveries now (call after creating a notification). */
  wake(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again && !this.#stopped) this.wake();
      else this.#wakeAt(Date.now() + this.#options.pollIntervalMs);
    });
  }

  /** Stops claiming, and waits for the deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pumping;
    await Promise.allSettled([...this.#deliveries]);
  }

  #wakeAt(at: number): void {
    if (this.#stopped || (this.#timer && this.#timerAt <= at)) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref();
  }

  async #pump(): Promise<void> {
    const { repository, clock, leaseMs, concurrencyPerChannel, logger } = this.#options;
    try {
      while (!this.#stopped) {
        this.#again = false;
        const free = CHANNEL_TYPES.filter((type) => this.#inFlight[type] < concurrencyPerChannel);
        if (free.length === 0) return;
        // At most the smallest free capacity, so no channel gets more claims than it has slots.
        const limit = Math.min(...free.map((type) => concurrencyPerChannel - this.#inFlight[type]));
        const now = clock.now();
        const claimed = await repository.records.claimDue(
          now,
          new Date(now.getTime() + leaseMs),
          limit,
          free,
        );
        for (const { record, channels } of claimed) {
          for (const type of channels) {
            // Claimed again after its lease lapsed while this process still records its last
            // attempt (the store answering late, or a cut-over refusing writes for a while): sent
            // again, the message would go out twice. The outcome under way settles it; if it is
            // never recorded, the new lease lapses and a later claim sends it.
            if (!this.#attempting.has(`${record.id}:${type}`)) this.#dispatch(record, type);
          }
        }
        if (claimed.length < limit) return;
      }
    } catch (error) {
      logger.warn({ err: error }, 'notification delivery: claiming failed, will retry');
    }
  }

  #dispatch(record: NotificationRecord, type: ChannelType): void {
    const attempt = `${record.id}:${type}`;
    this.#attempting.add(attempt);
    this.#inFlight[type] += 1;
    const delivery = this.#deliver(record, type)
      .catch((error) =>
        this.#options.logger.error(
          { err: error, notificationId: record.id, channel: type },
          'notification delivery: recording the outcome failed',
        ),
      )
      .finally(() => {
        this.#attempting.delete(attempt);
        this.#inFlight[type] -= 1;
        this.#deliveries.delete(delivery);
        this.wake();
      });
    this.#deliveries.add(delivery);
  }

  async #deliver(record: NotificationRecord, type: ChannelType): Promise<void> {
    const { repository, channels, clock, policy, logger } = this.#options;
    const entry = record.channels.find((c) => c.type === type)!;
    const userId = record.recipient.userId;
    const preferences = userId ? await repository.preferences.find(userId) : undefined;
    if (preferences && !preferences[type]) {
      await this.#settle(record, {
        ...entry,
        status: 'suppressed',
        nextAttemptAt: null,
        content: null,
        reason: `recipient opted out of ${type} before delivery`,
      });
      return;
    }
    const channel = channels[type];
    if (channel.unavailableReason || !entry.to || !entry.content) {
      await this.#settle(record, {
        ...entry,
        status: 'skipped',
        nextAttemptAt: null,
        reason: channel.unavailableReason ?? 'nothing to deliver',
      });
      return;
    }
    let outcome: AttemptOutcome;
    try {
      const receipt = await channel.send({
        idempotencyKey: `${record.id}:${type}`,
        notificationId: record.id,
        type: record.type,
        channel: type,
        to: entry.to,
        userId,
        content: entry.content,
      });
      outcome = { ok: true, ...receipt };
    } catch (error) {
      const permanent = error instanceof ChannelDeliveryError && error.permanent;
      outcome = { ok: false, error: (error as Error).message, permanent };
    }
    const next = afterAttempt(entry, outcome, policy, clock.now());
    const log = { notificationId: record.id, type: record.type, channel: type, attempts: next.attempts };
    if (next.status === 'failed')
      logger.error({ ...log, error: next.error }, 'notification delivery failed for good');
    else if (next.status === 'pending')
      logger.warn(
        { ...log, error: next.error, nextAttemptAt: next.nextAttemptAt },
        'notification delivery failed; will retry',
      );
    else logger.info({ ...log, messageId: next.messageId }, 'notification sent');
    await this.#settle(record, next);
    if (next.status === 'pending' && next.nextAttemptAt) this.#wakeAt(Date.parse(next.nextAttemptAt));
  }

  async #settle(record: NotificationRecord, next: ChannelDelivery): Promise<void> {
    await this.#options.repository.records.updateChannel(record.id, next, this.#options.clock.now());
    this.#options.settled?.(next.type, next.status);
  }
}
