import type { Command } from 'commander';
import { buildPlatform } from '../platform.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description("apply every service's pending store migrations, then exit (start-up does this too)")
    .option('--data-dir <dir>', 'PGlite data folder')
    .action(async (options: { dataDir?: string }) => {
      const platform = await buildPlatform(
        options.dataDir ? { overrides: { POLYSHOP_DATA_DIR: options.dataDir } } : {},
      );
      platform.logger.info({ services: [...platform.modules.keys()] }, 'migrations applied');
      await platform.close();
    });
}
