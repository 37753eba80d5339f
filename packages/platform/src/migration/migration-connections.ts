import { join, resolve } from 'node:path';
import { AppError, systemClock, type Clock } from '@polyshop/kernel';
import { MigrationEngine, MigrationStateStore } from '@polyshop/migration';
import { openPostgres, type SqlDatabase } from '@polyshop/stores';
import type { PlatformConfig } from '../platform-config.ts';
import { findServiceDefinition } from '../service-catalog.ts';
import { createStoreConnections } from '../store-connections.ts';
import { createMigrationSides, type MigrationSideCatalog } from './migration-sides.ts';

/** What an operator command drives a migration with, outside a running platform. */
export interface MigrationConnections {
  /** The engine over the control store (the platform's PostgreSQL, `platform` schema migrated). */
  engine: MigrationEngine;
  sides: MigrationSideCatalog;
  /** The store a service is configured on (`<SERVICE>_STORE` or the profile), before any migration. */
  configuredStore(service: string): string;
  /** Closes every connection opened. */
  close(): Promise<void>;
}

/**
 * Opens the platform's stores as `buildPlatform` does (PostgreSQL: `DATABASE_URL`, else PGlite under
 * the data folder; MongoDB: `MONGODB_URL`, on first use) without running any service, for
 * `polyshop migrate-store`. The control store's tables are created if missing.
 */
export async function openMigrationConnections(
  config: PlatformConfig,
  env: NodeJS.ProcessEnv,
  options: { clock?: Clock; ackTimeoutMs?: number } = {},
): Promise<MigrationConnections> {
  let postgres: Promise<SqlDatabase> | undefined;
  const sharedPostgres = () =>
    (postgres ??= openPostgres({
      url: config.DATABASE_URL,
      dataDir: join(resolve(config.POLYSHOP_DATA_DIR), 'pgdata'),
      poolSize: config.DATABASE_POOL_SIZE,
      pgliteSharedBuffers: config.PGLITE_SHARED_BUFFERS,
      preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'on',
    }));
  const stores = createStoreConnections(config, env);
  const close = async () => {
    if (postgres) await (await postgres).close();
    await stores.close();
  };
  try {
    const db = await sharedPostgres();
    await MigrationStateStore.migrate(db);
    const state = new MigrationStateStore(db, { clock: options.clock ?? systemClock });
    return {
      engine: new MigrationEngine({
        state,
        ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
      }),
      sides: createMigrationSides({
        postgres: sharedPostgres,
        mongodb: stores.mongodb,
        opensearch: stores.opensearch,
        dynamodb: stores.dynamodb,
        env,
      }),
      configuredStore(service) {
        const definition = findServiceDefinition(service);
        if (!definition) {
          throw AppError.invalidInput('PLATFORM.UNKNOWN_SERVICE', `Unknown service "${service}".`, {
            field: 'service',
          });
        }
        return stores.storeFor(definition);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
