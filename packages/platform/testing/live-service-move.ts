import assert from 'node:assert/strict';
import {
  MigrationEngine,
  MigrationStateStore,
  type MigrationSide,
  type MigrationSides,
  type Phase,
} from '@polyshop/migration';
import type { MongoConnection, OpenSearchConnection } from '@polyshop/stores';
import { eventually, postgresTargets, type PostgresTarget } from '@polyshop/testing';
import type { Platform } from '../src/platform.ts';
import { migrateStoreInProcess } from './in-process-migration.ts';

/** Where a running service's reads and writes go now, as `/readyz` reports it. */
export interface StoreRoute {
  phase: string;
  reads: string;
  writes: string;
  mirror?: string;
}

/** The route `/readyz` of `platform` reports for `service`. */
export async function storeRouteOf(platform: Platform, service: string): Promise<StoreRoute> {
  const stores = (await platform.app.inject('/readyz')).json<{ stores: Record<string, StoreRoute> }>().stores;
  const route = stores[service];
  assert.ok(route, `/readyz reports no stores for ${service}`);
  return route;
}

/** The phases a live move is rolled back from in the drills: reads switched, then writes switched too. */
export const ROLLBACK_PHASES = ['read-switch', 'write-switch'] as const;

/** One case of a service's live-move matrix: the platform's PostgreSQL engine and the direction. */
export interface LiveMoveCase {
  /** The platform's PostgreSQL: in-memory PGlite or a fresh database on the real server. */
  source: PostgresTarget['name'];
  /** The store the service is configured on, and where it moves. */
  from: string;
  to: string;
  skip: string | false;
  /** `<from> → <to>, platform on <source>`, for the describe. */
  name: string;
}

/**
 * The cases of a service's live move in one direction: from each PostgreSQL engine (PGlite always;
 * the real server skipped loudly when missing locally, a failure under CI=true), each also skipped
 * for `skip` (the other store's test server missing).
 */
export function liveMoveCases(from: string, to: string, skip: string | false): LiveMoveCase[] {
  return postgresTargets().map((target) => ({
    source: target.name,
    from,
    to,
    skip: skip || target.skip,
    name: `${from} → ${to}, platform on ${target.name}`,
  }));
}

/** The connections a service's sides open on, besides the platform's PostgreSQL. */
export interface MoveConnections {
  mongodb?: MongoConnection;
  opensearch?: OpenSearchConnection;
  /** The services' variables the sides read (`SEARCH_OPENSEARCH_INDEX_PREFIX`). */
  env?: NodeJS.ProcessEnv;
}

/** A service of a running test platform, moved between its stores with `polyshop migrate-store`. */
export interface LiveServiceMove {
  readonly service: string;
  readonly engine: MigrationEngine;
  /** The service's side on its configured store (`from`) and on the store it moves to (`to`). */
  readonly sides: MigrationSides;
  /**
   * `polyshop migrate-store <service> --to <to> --phase <phase>` in this process (`--yes` past
   * `read-switch`): starts the move unless one is under way, backfills, verifies (refusing unless
   * clean) and switches; asserts the command got there and the running service follows. Its lines.
   */
  moveTo(phase: Phase): Promise<string[]>;
  /** `polyshop migrate-store <service> --rollback`, then waits until the service runs on `from` alone. */
  rollback(): Promise<void>;
  /** The route the running service reports now. */
  route(): Promise<StoreRoute>;
}

/**
 * Moves `service` of `platform` from `live.from` (the store it is configured on) to `live.to` with
 * the command's own sequence, over the platform's own stores (an in-memory PGlite cannot be opened
 * by another process), backfilling at an unthrottled rate in small batches.
 */
export async function liveServiceMove(
  platform: Platform,
  service: string,
  live: Pick<LiveMoveCase, 'from' | 'to'>,
  connections: MoveConnections,
  sides: { from: MigrationSide; to: MigrationSide },
): Promise<LiveServiceMove> {
  const db = await platform.postgres();
  const engine = new MigrationEngine({ state: new MigrationStateStore(db), pollMs: 20 });
  const route = () => storeRouteOf(platform, service);
  const untilPhase = (phase: string) =>
    eventually(async () => (await route()).phase === phase, {
      message: `${service} to follow the migration to ${phase}`,
    });
  const { mongodb, opensearch, env } = connections;
  const stores = {
    engine,
    configuredStore: live.from,
    postgres: async () => db,
    mongodb: async () => {
      assert.ok(mongodb, `${service}: no MongoDB connection given`);
      return mongodb;
    },
    ...(opensearch ? { opensearch: () => opensearch } : {}),
    ...(env ? { env } : {}),
  };
  return {
    service,
    engine,
    sides,
    route,
    async moveTo(phase) {
      const yes = phase === 'write-switch' || phase === 'finished';
      const { migration, lines } = await migrateStoreInProcess(stores, {
        service,
        to: live.to,
        phase,
        yes,
        rate: 100_000,
        batchSize: 50,
      });
      assert.equal(migration.phase, phase, lines.join('\n'));
      await untilPhase(phase);
      return lines;
    },
    async rollback() {
      const migration = await engine.rollback(service, sides);
      assert.equal(migration.phase, 'idle');
      await untilPhase('idle');
      assert.deepEqual(await route(), { phase: 'idle', reads: live.from, writes: live.from });
    },
  };
}
