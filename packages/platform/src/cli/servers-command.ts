import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const script = join(
  fileURLToPath(new URL('.', import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'scripts',
  'servers',
);

export function registerServersCommand(program: Command): void {
  program
    .command('servers')
    .description(
      'install and start (or stop) the real database servers on 127.0.0.1: postgres, nats, dynamodb, mongodb, opensearch',
    )
    .argument('<action>', 'up|down|status')
    .argument('[names...]', 'which servers (default: all)')
    .action((action: string, names: string[]) => {
      const result = spawnSync(script, [action, ...names], { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });
}
