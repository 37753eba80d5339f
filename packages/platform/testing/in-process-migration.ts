import type { MigrationEngine, MigrationState } from '@polyshop/migration';
import {
  migrateAll,
  migrateStore,
  type MigrateStoreOptions,
  type PlatformTarget,
} from '../src/cli/migrate-store-command.ts';
import type { MigrationConnections } from '../src/migration/migration-connections.ts';
import { createMigrationSides, type SideConnections } from '../src/migration/migration-sides.ts';

/** The movable services' sides over given connections, for harnesses that drive the engine themselves (the benchmark). */
export {
  createMigrationSides,
  MIGRATABLE_SERVICES,
  type MigrationSideCatalog,
  type SideConnections,
} from '../src/migration/migration-sides.ts';

/** A test platform's own stores and engine, as `polyshop migrate-store` would open them. */
export type InProcessStores = SideConnections & {
  engine: MigrationEngine;
  /** The store every service is configured on, or each service's. */
  configuredStore: string | ((service: string) => string);
};

function connectionsOf(stores: InProcessStores): MigrationConnections {
  const { engine, configuredStore, ...sides } = stores;
  return {
    engine,
    sides: createMigrationSides(sides),
    configuredStore: typeof configuredStore === 'string' ? () => configuredStore : configuredStore,
    close: async () => undefined,
  };
}

/**
 * `polyshop migrate-store` run in this process against a test platform's own stores (an in-memory
 * PGlite cannot be opened by a second process): the command's sequence, checks and output, over the
 * given engine and connections. Resolves to the migration as the command left it, with its lines.
 */
export async function migrateStoreInProcess(
  stores: InProcessStores,
  options: Omit<MigrateStoreOptions, 'print'>,
): Promise<{ migration: MigrationState; lines: string[] }> {
  const lines: string[] = [];
  const migration = await migrateStore(connectionsOf(stores), {
    ...options,
    print: (line) => lines.push(line),
  });
  return { migration, lines };
}

/**
 * `polyshop migrate-store --all --to <polyglot|phase1>` run in this process against a test platform's
 * own stores: every movable service, one after another. Resolves to the migrations as the command
 * left them, with its lines.
 */
export async function migrateAllInProcess(
  stores: InProcessStores,
  options: Omit<MigrateStoreOptions, 'print' | 'service' | 'to' | 'yes'> & { to: PlatformTarget },
): Promise<{ migrations: MigrationState[]; lines: string[] }> {
  const lines: string[] = [];
  const migrations = await migrateAll(connectionsOf(stores), {
    ...options,
    print: (line) => lines.push(line),
  });
  return { migrations, lines };
}
