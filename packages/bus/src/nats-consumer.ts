import { nanos, type NatsConnection, type Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  type Consumer,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { EventEnvelope, Logger } from '@polyshop/kernel';
import { acceptsType, retryDelay, type DeadLetterHandler, type Subscription } from './event-bus.ts';

/** How long the server keeps a transient consumer that no process pulls from (pulls repeat every few seconds). */
const TRANSIENT_IDLE_MS = 5 * 60_000;

/** What every consumer of one NatsEventBus shares. */
export interface NatsConsumerSettings {
  stream: string;
  subjectPrefix: string;
  maxAttempts: number;
  retryDelayMs: number;
  ackWaitMs: number;
  /** How long one pull waits for an event: also the longest a stop waits for an idle consumer. */
  pullExpiresMs: number;
  logger: Logger;
  onDeadLetter: DeadLetterHandler | undefined;
}

/**
 * A JetStream durable name for a consumer name. Durables may not contain `.`, `*`, `>` or spaces, so
 * anything but letters, digits and `-` is escaped as `_xx` (hex), which keeps distinct names distinct.
 */
export function durableName(consumer: string): string {
  return consumer.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * One subscription on the NATS bus: a durable pull consumer read one event at a time, and a NATS
 * responder for dead-letter replays of that consumer. Stream deliveries and replays go through one
 * chain, so the handler never runs twice at once.
 */
export class NatsConsumer {
  readonly #nc: NatsConnection;
  readonly #jsm: JetStreamManager;
  readonly #settings: NatsConsumerSettings;
  readonly #subscription: Subscription;
  readonly #durable: string;
  #replies: NatsSubscription | undefined;
  #loop: Promise<void> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #stopping = false;

  constructor(
    nc: NatsConnection,
    jsm: JetStreamManager,
    settings: NatsConsumerSettings,
    subscription: Subscription,
  ) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#settings = settings;
    this.#subscription = subscription;
    this.#durable = durableName(subscription.consumer);
  }

  /** The core NATS subject a replay for `durable` is requested on (outside the stream's subjects). */
  static replaySubject(settings: Pick<NatsConsumerSettings, 'subjectPrefix'>, durable: string): string {
    return `${settings.subjectPrefix}_replay.${durable}`;
  }

  async start(): Promise<void> {
    const { stream, ackWaitMs } = this.#settings;
    const tunable = {
      ack_wait: nanos(ackWaitMs),
      // One event in flight: the server delivers in stream order and holds the next back while this
      // one is retried, which keeps per-aggregate order through retries.
      max_ack_pending: 1,
      // The client counts attempts and dead-letters (see #handle); the server must not drop an event
      // on its own, or an event whose dead-lettering failed would vanish.
      max_deliver: -1,
    };
    await this.#jsm.consumers
      .add(stream, {
        durable_name: this.#durable,
        description: this.#subscription.consumer,
        ack_policy: AckPolicy.Explicit,
        ...(this.#subscription.transient
          ? // new events only, and removed by the server once no process has pulled for a while
            { deliver_policy: DeliverPolicy.New, inactive_threshold: nanos(TRANSIENT_IDLE_MS) }
          : { deliver_policy: DeliverPolicy.All }),
        ...tunable,
      })
      .catch(async (error: unknown) => {
        // It exists with other settings (an older version of this code): update what may change.
        await this.#jsm.consumers.update(stream, this.#durable, tunable).catch(() => {
          throw error;
        });
      });
    this.#loop = this.#read(await this.#jsm.jetstream().consumers.get(stream, this.#durable));
    this.#replies = this.#nc.subscribe(NatsConsumer.replaySubject(this.#settings, this.#durable), {
      queue: this.#durable,
      callback: (error, message) => {
        if (error) return;
        void this.#serially(() => this.#subscription.handler(message.json<EventEnvelope>())).then(
          () => message.respond(JSON.stringify({ ok: true })),
          (failure: unknown) => message.respond(JSON.stringify({ ok: false, error: errorText(failure) })),
        );
      },
    });
  }

  /**
   * Stops pulling. The event being handled finishes and is acknowledged; the pull already sent is
   * awaited (at most `pullExpiresMs`) and what it brings is handed back, so nothing is left pending
   * for `ackWaitMs` and the next subscriber of this durable continues at once.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#replies?.unsubscribe();
    await this.#loop;
    await this.#chain;
  }

  /**
   * One pull of one message at a time (not `consume()`, which keeps a pull open and can receive an
   * event just as it is closed, leaving it pending until `ackWaitMs`).
   */
  async #read(consumer: Consumer): Promise<void> {
    let failures = 0;
    while (!this.#stopping) {
      try {
        const message = await consumer.next({ expires: this.#settings.pullExpiresMs });
        failures = 0;
        if (!message) continue;
        // Handed back at once so the next subscriber of this durable gets it without waiting ackWait.
        if (this.#stopping) message.nak();
        else await this.#serially(() => this.#handle(message));
      } catch (error) {
        failures += 1;
        this.#settings.logger.warn(
          { err: error, consumer: this.#subscription.consumer },
          'pulling from NATS failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000)));
      }
    }
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(work);
    // The caller gets the error through `run`; the chain only keeps the order of the work.
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #handle(message: JsMsg): Promise<void> {
    const { consumer, types, handler } = this.#subscription;
    const { maxAttempts, retryDelayMs, ackWaitMs, logger } = this.#settings;
    let event: EventEnvelope;
    try {
      event = message.json<EventEnvelope>();
    } catch (error) {
      logger.error(
        { err: error, consumer, subject: message.subject, seq: message.seq },
        'unreadable event on the bus; terminated',
      );
      message.term(); // no reason text: nats-server 2.9 ignores "+TERM <reason>" and keeps the event pending
      return;
    }
    if (!acceptsType(types, event.type)) {
      message.ack();
      return;
    }
    const attempt = message.info.deliveryCount;
    if (attempt > maxAttempts) {
      // Earlier deliveries ended without a verdict (the process died mid-handler) or dead-lettering failed.
      await this.#deadLetter(
        message,
        event,
        new Error(`not handled after ${attempt - 1} deliveries`),
        attempt - 1,
      );
      return;
    }
    const progress = setInterval(() => message.working(), Math.max(ackWaitMs / 3, 100));
    try {
      await handler(event);
    } catch (error) {
      clearInterval(progress);
      if (attempt >= maxAttempts) {
        logger.error(
          { err: error, consumer, eventId: event.id, type: event.type },
          'event handler failed; dead-lettered',
        );
        await this.#deadLetter(message, event, error, attempt);
      } else {
        logger.warn({ err: error, consumer, eventId: event.id, attempt }, 'event handler failed; retrying');
        message.nak(retryDelay(retryDelayMs, attempt));
      }
      return;
    } finally {
      clearInterval(progress);
    }
    // Waits for the server to confirm, so a clean stop never leaves a handled event to be redelivered.
    await message
      .ackAck()
      .catch((error: unknown) =>
        logger.warn(
          { err: error, consumer, eventId: event.id },
          'ack not confirmed; the event may be redelivered',
        ),
      );
  }

  async #deadLetter(message: JsMsg, event: EventEnvelope, error: unknown, attempts: number): Promise<void> {
    const { consumer } = this.#subscription;
    try {
      await this.#settings.onDeadLetter?.(consumer, event, error, attempts);
      message.term(); // no reason text: nats-server 2.9 ignores "+TERM <reason>" and keeps the event pending
    } catch (failure) {
      this.#settings.logger.error(
        { err: failure, consumer, eventId: event.id },
        'recording a dead letter failed; the event will be redelivered',
      );
      message.nak(retryDelay(this.#settings.retryDelayMs, attempts));
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
