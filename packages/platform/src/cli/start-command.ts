import type { Command } from 'commander';
import { runPlatform } from './run-platform.ts';
import { portOption, type HostOptions, overridesFrom } from './host-options.ts';

export function registerStartCommand(program: Command): void {
  portOption(program.command('start'))
    .description('run all seven services in one process, on one port')
    .option('--in-memory', 'keep data in memory (nothing written under the data folder)')
    .action(async (options: HostOptions & { inMemory?: boolean }) => {
      await runPlatform({ overrides: overridesFrom(options), inMemory: options.inMemory ?? false });
    });
}
