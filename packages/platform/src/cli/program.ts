import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every `polyshop` command, by name, with the module that registers it. Each command lives in its own
 * file; its module (and the services and drivers it imports) is loaded only when that command runs,
 * or for the top-level help, so `polyshop migrate-store …` does not load what `polyshop start` needs.
 */
const COMMANDS: readonly { name: string; load: () => Promise<Register> }[] = [
  { name: 'start', load: async () => (await import('./start-command.ts')).registerStartCommand },
  { name: 'serve', load: async () => (await import('./serve-command.ts')).registerServeCommand },
  { name: 'migrate', load: async () => (await import('./migrate-command.ts')).registerMigrateCommand },
  {
    name: 'migrate-store',
    load: async () => (await import('./migrate-store-command.ts')).registerMigrateStoreCommand,
  },
  { name: 'servers', load: async () => (await import('./servers-command.ts')).registerServersCommand },
  { name: 'users', load: async () => (await import('./users-command.ts')).registerUsersCommand },
  { name: 'seed', load: async () => (await import('./seed-command.ts')).registerSeedCommand },
  { name: 'search', load: async () => (await import('./search-command.ts')).registerSearchCommand },
  { name: 'events', load: async () => (await import('./events-command.ts')).registerEventsCommand },
  { name: 'bench', load: async () => (await import('./bench-command.ts')).registerBenchCommand },
  { name: 'advise', load: async () => (await import('./advise-command.ts')).registerAdviseCommand },
];

/**
 * The `polyshop` command line for `argv` (`process.argv`): when its first argument names a command,
 * only that command is loaded; otherwise (help, no command, an unknown one) every command is, so the
 * help lists them all and commander's "unknown command" suggestions still work.
 */
export async function createProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('polyshop')
    .description('polyshop: an e-commerce platform of seven services with polyglot persistence')
    .showHelpAfterError();
  const named = COMMANDS.find((command) => command.name === argv[2]);
  for (const command of named ? [named] : COMMANDS) (await command.load())(program);
  return program;
}
