import type { Command } from 'commander';
import { runPlatform } from './run-platform.ts';
import { portOption, type HostOptions, overridesFrom } from './host-options.ts';
import { seedDemoIfEmpty } from './seed-command.ts';

export function registerStartCommand(program: Command): void {
  portOption(program.command('start'))
    .description('run all seven services in one process, on one port')
    .option('--in-memory', 'keep data in memory (nothing written under the data folder)')
    .option('--seed [products]', 'load a demo catalogue (default 200 products) if the catalog is empty')
    .action(async (options: HostOptions & { inMemory?: boolean; seed?: boolean | string }) => {
      const platform = await runPlatform({
        overrides: overridesFrom(options),
        inMemory: options.inMemory ?? false,
      });
      if (options.seed) await seedDemoIfEmpty(platform, options.seed);
    });
}
