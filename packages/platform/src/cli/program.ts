import { Command } from 'commander';
import { registerBenchCommand } from './bench-command.ts';
import { registerEventsCommand } from './events-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerMigrateStoreCommand } from './migrate-store-command.ts';
import { registerSearchCommand } from './search-command.ts';
import { registerSeedCommand } from './seed-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerServersCommand } from './servers-command.ts';
import { registerStartCommand } from './start-command.ts';
import { registerUsersCommand } from './users-command.ts';

/** The `polyshop` command line. Each command lives in its own file and registers itself here. */
export function createProgram(): Command {
  const program = new Command('polyshop')
    .description('polyshop: an e-commerce platform of seven services with polyglot persistence')
    .showHelpAfterError();
  registerStartCommand(program);
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerMigrateStoreCommand(program);
  registerServersCommand(program);
  registerUsersCommand(program);
  registerSeedCommand(program);
  registerSearchCommand(program);
  registerEventsCommand(program);
  registerBenchCommand(program);
  return program;
}
