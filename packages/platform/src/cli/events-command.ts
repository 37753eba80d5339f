import { InvalidArgumentError, type Command } from 'commander';
import { AppError } from '@polyshop/kernel';
import type { DeadLetter } from '@polyshop/bus';
import { toDeadLetterView } from '../admin-routes.ts';
import { buildPlatform, type Platform } from '../platform.ts';
import { loadPlatformConfig, type PlatformConfig } from '../platform-config.ts';

interface CommonOptions {
  dataDir?: string;
}

interface ListOptions extends CommonOptions {
  consumer?: string;
  pending?: boolean;
  limit: number;
  json?: boolean;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new InvalidArgumentError('expected a whole number 1-1000');
  return limit;
}

function overrides(options: CommonOptions): Partial<PlatformConfig> {
  return options.dataDir ? { POLYSHOP_DATA_DIR: options.dataDir } : {};
}

/** One line per letter: id, when, consumer, event, attempts, state, last error. */
export function formatDeadLetters(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters\n';
  return letters
    .map((l) =>
      [
        l.id.padStart(6),
        l.failedAt.toISOString(),
        l.consumer,
        `${l.event.type} ${l.event.id}`,
        `attempts=${l.attempts}`,
        l.replayedAt ? `replayed ${l.replayedAt.toISOString()}` : 'pending',
        JSON.stringify(l.error),
      ].join('  '),
    )
    .join('\n')
    .concat('\n');
}

async function withPlatform(platform: Platform, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    process.stderr.write(`polyshop: ${error.code}: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await platform.close();
  }
}

/**
 * `polyshop events dead-letters` and `polyshop events replay <id>`: the platform's dead letters, read
 * from its store (`DATABASE_URL`, or the PGlite data folder: stop `polyshop start` first, or use
 * `/admin/dead-letters` on the running server). A replay goes to the consumer over NATS when
 * `NATS_URL` is set (the process running it handles it); without NATS this command runs the services
 * itself for the length of the replay.
 */
export function registerEventsCommand(program: Command): void {
  const events = program.command('events').description('the event bus: dead letters and their replay');
  events
    .command('dead-letters')
    .description('list events a consumer gave up on, most recent first')
    .option('--consumer <name>', 'only this consumer’s')
    .option('--pending', 'only those not replayed yet')
    .option('--limit <n>', 'at most this many (1-1000)', parseLimit, 100)
    .option('--json', 'print JSON (as GET /admin/dead-letters)')
    .option('--data-dir <dir>', 'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop)')
    .action(async (options: ListOptions) => {
      const platform = await buildPlatform({ services: [], overrides: overrides(options) });
      await withPlatform(platform, async () => {
        const letters = await platform.deadLetters.list({
          ...(options.consumer ? { consumer: options.consumer } : {}),
          ...(options.pending ? { pending: true } : {}),
          limit: options.limit,
        });
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ items: letters.map(toDeadLetterView) }, null, 2)}\n`
            : formatDeadLetters(letters),
        );
      });
    });
  events
    .command('replay')
    .description('hand a dead letter’s event to the consumer that failed on it again (that consumer only)')
    .argument('<id>', 'the dead letter’s id (see `polyshop events dead-letters`)')
    .option('--data-dir <dir>', 'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop)')
    .action(async (id: string, options: CommonOptions) => {
      const overNats = Boolean(loadPlatformConfig().NATS_URL);
      const platform = await buildPlatform({
        ...(overNats ? { services: [] } : {}),
        overrides: overrides(options),
      });
      await withPlatform(platform, async () => {
        if (!overNats) await platform.start(); // subscribes the consumers in this process
        const letter = await platform.deadLetters.replay(id);
        process.stdout.write(
          `replayed ${letter.id}: ${letter.event.type} ${letter.event.id} → ${letter.consumer}\n`,
        );
      });
    });
}
