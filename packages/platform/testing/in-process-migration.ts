import type { MigrationEngine, MigrationState } from '@polyshop/migration';
import { migrateStore, type MigrateStoreOptions } from '../src/cli/migrate-store-command.ts';
import type { MigrationConnections } from '../src/migration/migration-connections.ts';
import { createMigrationSides, type SideConnections } from '../src/migration/migration-sides.ts';

/**
 * `polyshop migrate-store` run in this process against a test platform's own stores (an in-memory
 * PGlite cannot be opened by a second process): the command's sequence, checks and output, over the
 * given engine and connections. Resolves to the migration as the command left it, with its lines.
 */
export async function migrateStoreInProcess(
  stores: SideConnections & { engine: MigrationEngine; configuredStore: string },
  options: Omit<MigrateStoreOptions, 'print'>,
): Promise<{ migration: MigrationState; lines: string[] }> {
  const { engine, configuredStore, ...sides } = stores;
  const connections: MigrationConnections = {
    engine,
    sides: createMigrationSides(sides),
    configuredStore: () => configuredStore,
    close: async () => undefined,
  };
  const lines: string[] = [];
  const migration = await migrateStore(connections, { ...options, print: (line) => lines.push(line) });
  return { migration, lines };
}
