import type { Clock, Logger } from '@polyshop/kernel';
import {
  DeadLetters,
  InProcessEventBus,
  NatsEventBus,
  PostgresDeadLetterStore,
  type DeadLetterStore,
  type EventBus,
} from '@polyshop/bus';
import { migrate, type SqlDatabase } from '@polyshop/stores';

/** The platform's own schema (dead letters), beside the services' schemas. */
export const PLATFORM_SCHEMA = 'platform';

export interface PlatformEventsOptions {
  /** From `NATS_URL`: when set, events go over NATS JetStream. */
  natsUrl: string | undefined;
  /** From `NATS_SUBJECT_PREFIX`; the stream is named after it (`polyshop.events` → `POLYSHOP_EVENTS`). */
  subjectPrefix: string;
  postgres: () => Promise<SqlDatabase>;
  clock: Clock;
  logger: Logger;
}

export interface PlatformEvents {
  bus: EventBus;
  /** Where the bus's dead letters go; listed and replayed by `polyshop events` and `/admin/dead-letters`. */
  deadLetters: DeadLetters;
}

/**
 * The bus of this process: NATS JetStream when `NATS_URL` is set, else in-process (all-in-one;
 * `polyshop serve` requires NATS: `assertServeRequirements`). Whatever a consumer gives up
 * on goes to the dead letters in `platform.dead_letters` of the shared PostgreSQL (opened and
 * migrated on first use).
 */
export async function createPlatformEvents(options: PlatformEventsOptions): Promise<PlatformEvents> {
  const { natsUrl, logger } = options;
  let store: Promise<DeadLetterStore> | undefined;
  const openStore = () =>
    (store ??= (async () => {
      const db = await options.postgres();
      await migrate(db, { schema: PLATFORM_SCHEMA });
      return new PostgresDeadLetterStore(db, PLATFORM_SCHEMA);
    })().catch((error: unknown) => {
      store = undefined; // try again next time rather than remember a failed open
      throw error;
    }));
  let bus: EventBus | undefined;
  const deadLetters = new DeadLetters({
    store: openStore,
    redeliver: (consumer, event) => bus!.redeliver(consumer, event),
    clock: options.clock,
    logger: logger.child({ component: 'dead-letters' }),
  });
  const busLogger = logger.child({ component: 'bus' });
  bus = natsUrl
    ? await NatsEventBus.connect({
        url: natsUrl,
        subjectPrefix: options.subjectPrefix,
        stream: streamName(options.subjectPrefix),
        logger: busLogger,
        onDeadLetter: deadLetters.handler,
      }).catch((error: unknown) => {
        throw new Error(`Cannot use NATS JetStream at NATS_URL=${natsUrl}: ${(error as Error).message}`, {
          cause: error,
        });
      })
    : new InProcessEventBus({ logger: busLogger, onDeadLetter: deadLetters.handler });
  logger.debug({ bus: natsUrl ? 'nats' : 'in-process' }, 'event bus ready');
  return { bus, deadLetters };
}

/** The JetStream stream for a subject prefix: `polyshop.events` → `POLYSHOP_EVENTS`. */
export function streamName(subjectPrefix: string): string {
  return subjectPrefix.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');
}
