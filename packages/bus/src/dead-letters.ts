import { AppError, type Clock, type EventEnvelope, type Logger } from '@polyshop/kernel';
import type { DeadLetter, DeadLetterFilter, DeadLetterStore } from './dead-letter-store.ts';
import type { DeadLetterHandler, EventBus } from './event-bus.ts';

export interface DeadLettersOptions {
  /** Opened on first use, so a platform that never dead-letters never opens it. */
  store: () => Promise<DeadLetterStore>;
  /** Usually the platform's bus (`bus.redeliver`). */
  redeliver: EventBus['redeliver'];
  clock: Clock;
  logger: Logger;
}

/**
 * The platform's dead letters: what the bus gives up on is recorded here (`handler`), listed by the
 * CLI and the admin endpoint, and replayed to the one consumer that failed.
 */
export class DeadLetters {
  readonly #options: DeadLettersOptions;

  constructor(options: DeadLettersOptions) {
    this.#options = options;
  }

  /** The bus's `onDeadLetter`: records the event with its last error. */
  readonly handler: DeadLetterHandler = async (
    consumer: string,
    event: EventEnvelope,
    error: unknown,
    attempts: number,
  ) => {
    const store = await this.#options.store();
    const letter = await store.record({ consumer, event, error: errorText(error), attempts });
    this.#options.logger.warn(
      { deadLetterId: letter.id, consumer, eventId: event.id, type: event.type },
      'event dead-lettered',
    );
  };

  async list(filter?: DeadLetterFilter): Promise<DeadLetter[]> {
    return (await this.#options.store()).list(filter);
  }

  /** The letter; `not_found` otherwise. */
  async get(id: string): Promise<DeadLetter> {
    const letter = await (await this.#options.store()).find(id);
    if (!letter)
      throw AppError.notFound('EVENTS.DEAD_LETTER_NOT_FOUND', `No dead letter ${id}.`, { field: 'id' });
    return letter;
  }

  /**
   * Hands the letter's event to its consumer again (that consumer only) and marks it replayed.
   * `conflict` if it was replayed already (`EVENTS.ALREADY_REPLAYED`) or the handler fails again
   * (`EVENTS.REPLAY_FAILED`; the failure is recorded on the letter); `unavailable` when no process
   * runs that consumer.
   */
  async replay(id: string): Promise<DeadLetter> {
    const store = await this.#options.store();
    const letter = await this.get(id);
    if (letter.replayedAt) {
      throw AppError.conflict(
        'EVENTS.ALREADY_REPLAYED',
        `Dead letter ${id} was replayed at ${letter.replayedAt.toISOString()}.`,
        { field: 'id' },
      );
    }
    try {
      await this.#options.redeliver(letter.consumer, letter.event);
    } catch (error) {
      if (error instanceof AppError) throw error;
      await store.record({
        consumer: letter.consumer,
        event: letter.event,
        error: errorText(error),
        attempts: 1,
      });
      throw AppError.conflict(
        'EVENTS.REPLAY_FAILED',
        `Consumer "${letter.consumer}" failed again: ${errorText(error)}`,
        {
          field: 'id',
          details: { consumer: letter.consumer },
        },
      );
    }
    const replayed = await store.markReplayed(id, this.#options.clock.now());
    this.#options.logger.info(
      { deadLetterId: id, consumer: letter.consumer, eventId: letter.event.id },
      'dead letter replayed',
    );
    return replayed ?? letter;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
