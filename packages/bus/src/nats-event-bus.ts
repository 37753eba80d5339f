import { connect, headers, nanos, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { AppError, type EventEnvelope, type Logger } from '@polyshop/kernel';
import type { EventBus, RetryPolicy, Subscription } from './event-bus.ts';
import { NatsConsumer, durableName, type NatsConsumerSettings } from './nats-consumer.ts';

export interface NatsEventBusOptions extends RetryPolicy {
  /** `nats://127.0.0.1:4222` (comma-separated for a cluster). */
  url: string;
  logger: Logger;
  /** The JetStream stream holding every event. Default `POLYSHOP_EVENTS`. */
  stream?: string;
  /** An event of type `order.confirmed` goes to `<subjectPrefix>.order.confirmed`. Default `polyshop.events`. */
  subjectPrefix?: string;
  /** How long the stream keeps events (a new consumer starts from the oldest kept). Default 7 days. */
  maxAgeMs?: number;
  /** JetStream drops a second publish of the same event id within this window. Default 2 minutes. */
  duplicateWindowMs?: number;
  /** Unacknowledged for this long (the process died mid-handler), an event is redelivered. Default 30 s. */
  ackWaitMs?: number;
  /** How long an idle consumer's pull waits (≥ 1000): also the longest `close()` waits for it. Default 2 s. */
  pullExpiresMs?: number;
  /** How long a replay waits for the consumer's handler. Default 30 s. */
  replayTimeoutMs?: number;
  /** Connection name shown by the server's monitoring. */
  name?: string;
}

/**
 * The bus of `polyshop serve`: events in one JetStream stream, a durable pull consumer per
 * subscription.
 *
 * - `publish` resolves once the stream stored the event, with `Nats-Msg-Id` = event id, so a relay
 *   republishing after a crash (within `duplicateWindowMs`) stores it once.
 * - Each consumer has `max_ack_pending: 1`: the server hands it one event at a time, in stream order,
 *   and a failed event is retried (`nak` with exponential backoff) before the next one is delivered.
 * - An event is acknowledged after its handler resolves; while the handler runs the client reports
 *   progress, so only a dead process lets `ackWaitMs` expire and the event be redelivered.
 * - After `maxAttempts` failures (or deliveries that never ended, a crash loop) the event goes to
 *   `onDeadLetter` and is terminated; the consumer moves on.
 * - Debian's nats-server 2.9 cannot filter a consumer on several subjects, so every durable reads the
 *   whole stream and acknowledges the types it does not subscribe to without calling its handler.
 * - `redeliver` (dead-letter replay) is a NATS request to whichever process subscribed that consumer.
 */
export class NatsEventBus implements EventBus {
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #settings: NatsConsumerSettings;
  readonly #options: NatsEventBusOptions;
  readonly #consumers = new Map<string, NatsConsumer>();
  #closed = false;

  private constructor(
    nc: NatsConnection,
    jsm: JetStreamManager,
    settings: NatsConsumerSettings,
    options: NatsEventBusOptions,
  ) {
    this.#nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc);
    this.#settings = settings;
    this.#options = options;
  }

  /** Connects, and creates (or updates) the stream. Fails when the server is unreachable or has no JetStream. */
  static async connect(options: NatsEventBusOptions): Promise<NatsEventBus> {
    const stream = options.stream ?? 'POLYSHOP_EVENTS';
    const subjectPrefix = options.subjectPrefix ?? 'polyshop.events';
    const nc = await connect({
      servers: options.url.split(',').map((url) => url.trim()),
      name: options.name ?? 'polyshop',
      maxReconnectAttempts: -1,
    });
    try {
      const jsm = await jetstreamManager(nc);
      const config = {
        subjects: [`${subjectPrefix}.>`],
        max_age: nanos(options.maxAgeMs ?? 7 * 24 * 3600_000),
        duplicate_window: nanos(options.duplicateWindowMs ?? 120_000),
      };
      await jsm.streams.info(stream).then(
        () => jsm.streams.update(stream, config),
        async (error: unknown) => {
          if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.StreamNotFound)
            throw error;
          await jsm.streams.add({ name: stream, ...config });
        },
      );
      const settings: NatsConsumerSettings = {
        stream,
        subjectPrefix,
        maxAttempts: options.maxAttempts ?? 5,
        retryDelayMs: options.retryDelayMs ?? 100,
        ackWaitMs: options.ackWaitMs ?? 30_000,
        pullExpiresMs: Math.max(options.pullExpiresMs ?? 2_000, 1_000),
        logger: options.logger,
        onDeadLetter: options.onDeadLetter,
      };
      return new NatsEventBus(nc, jsm, settings, options);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async publish(event: EventEnvelope): Promise<void> {
    if (this.#closed) throw new Error('event bus is closed');
    await this.#js.publish(`${this.#settings.subjectPrefix}.${event.type}`, JSON.stringify(event), {
      msgID: event.id,
      ...(event.traceContext ? { headers: traceHeaders(event.traceContext) } : {}),
    });
  }

  async subscribe(subscription: Subscription): Promise<void> {
    if (this.#closed) throw new Error('event bus is closed');
    if (this.#consumers.has(subscription.consumer))
      throw new Error(`consumer ${subscription.consumer} is already subscribed`);
    const consumer = new NatsConsumer(this.#nc, this.#jsm, this.#settings, subscription);
    this.#consumers.set(subscription.consumer, consumer);
    try {
      await consumer.start();
    } catch (error) {
      this.#consumers.delete(subscription.consumer);
      throw error;
    }
  }

  async redeliver(consumer: string, event: EventEnvelope): Promise<void> {
    if (this.#closed) throw new Error('event bus is closed');
    const subject = NatsConsumer.replaySubject(this.#settings, durableName(consumer));
    let reply: { ok: boolean; error?: string };
    try {
      const message = await this.#nc.request(subject, JSON.stringify(event), {
        timeout: this.#options.replayTimeoutMs ?? 30_000,
      });
      reply = message.json();
    } catch (error) {
      throw AppError.unavailable(
        'EVENTS.CONSUMER_NOT_RUNNING',
        `Consumer "${consumer}" did not answer: ${(error as Error).message}.`,
        {
          field: 'consumer',
        },
      );
    }
    if (!reply.ok) throw new Error(reply.error ?? 'handler failed');
  }

  /** Stops every consumer (each finishes the event it is handling), then drains the connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers.values()].map((consumer) => consumer.stop()));
    this.#consumers.clear();
    await this.#nc
      .drain()
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'draining the NATS connection failed'),
      );
  }

  /** Deletes the stream and every consumer on it (tests; an operator resetting the bus). */
  async deleteStream(): Promise<void> {
    await this.#jsm.streams.delete(this.#settings.stream);
  }
}

/**
 * The W3C trace context of a traced event (`traceparent`, `tracestate`) as NATS message headers, for
 * tools reading the stream; consumers take it from the envelope, which carries it on every bus.
 */
function traceHeaders(traceContext: Record<string, string>): MsgHdrs {
  const set = headers();
  for (const [key, value] of Object.entries(traceContext)) set.set(key, value);
  return set;
}
