import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { MigrationSide, MigrationState } from '@polyshop/migration';
import { sideContents } from '@polyshop/migration/testing';
import { createTestPlatform } from '@polyshop/platform/testing';
import { openPostgres, type SqlDatabase } from '@polyshop/stores';
import { dropTestDatabase, postgresTargets, testDatabaseUrl } from '@polyshop/testing';
import { runMigrateStore } from '../src/cli/migrate-store-command.ts';
import {
  openMigrationConnections,
  type MigrationConnections,
} from '../src/migration/migration-connections.ts';
import { createMigrationSides } from '../src/migration/migration-sides.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';
import { findServiceDefinition } from '../src/service-catalog.ts';
import { createStoreConnections } from '../src/store-connections.ts';
import {
  BACKFILL_KILL_CASES,
  openTargetOf,
  skipOf,
  type TargetNamespace,
} from './support/backfill-kill-cases.ts';
import {
  assertResumed,
  BATCH,
  countAll,
  inFlightAfterKill,
  killRunning,
  LEASE_MS,
  pastCheckpoint,
  polyshopProcess as polyshop,
  RATE,
} from './support/backfill-kill-drill.ts';

/**
 * Where the drill runs: the platform's PostgreSQL, and the direction of the move. The PostgreSQL
 * drill of `migrate-store-kill.test.ts` (to the polyglot store, killed at the worst moment through a
 * held line) is joined by the zero-setup default, PGlite in a data folder that `polyshop migrate-store`
 * opens in its own process (no server runs: PGlite serves one process), and by the way back, each
 * service configured on its polyglot store and moved to the real PostgreSQL.
 */
const DRILLS = postgresTargets().map((engine) => ({ engine, back: engine.name === 'postgres' }));

/**
 * The CLI is killed with `kill -9` once the target store holds a third of the records, wherever the
 * backfill then is (not always between a batch's write and its checkpoint). Then, as in
 * `migrate-store-kill.test.ts`:
 *
 * - the platform's stores open again (PGlite: the dead process's `polyshop.lock` is taken over and
 *   PostgreSQL's crash recovery replays what it committed): the checkpoint is there, with the dead
 *   process's lease, and a restart while the lease lives is refused;
 * - the target holds every record below the checkpoint and at most one batch past it;
 * - the restart after the lease resumes from the checkpoint, finds exactly those past it already
 *   there, verifies clean and leaves both stores equal.
 */
for (const { engine, back } of DRILLS) {
  describe(
    `polyshop migrate-store on ${engine.name}: kill -9 during the backfill${back ? ' of the way back' : ''}, then restart`,
    { concurrency: true, skip: engine.skip },
    () => {
      after(killRunning);
      for (const drill of BACKFILL_KILL_CASES) {
        const { service } = drill;
        const [from, to] = back ? [drill.to, 'postgres'] : ['postgres', drill.to];
        describe(`${service}: ${engine.name} ${from} → ${to}`, { skip: skipOf(drill) }, () => {
          let dataDir: string | undefined;
          let database: string | undefined;
          let target: TargetNamespace | undefined;
          let env: Record<string, string>;
          /** The target store alone (PGlite: the CLI holds the data folder while it runs). */
          let targetStores: ReturnType<typeof createStoreConnections> | undefined;
          let targetSide: MigrationSide;
          /** The way back: this drill's own connection to the target PostgreSQL. */
          let targetPostgres: SqlDatabase | undefined;

          /** Opens the platform's stores in this process (on PGlite the CLI must not be running), runs `use`, closes them. */
          async function withPlatformStores<T>(
            use: (connections: MigrationConnections) => Promise<T>,
          ): Promise<T> {
            const connections = await openMigrationConnections(loadPlatformConfig(env), env);
            try {
              return await use(connections);
            } finally {
              await connections.close();
            }
          }

          before(async () => {
            target = await openTargetOf(drill);
            // the way back: the service runs on its polyglot store (`PRODUCT_STORE=mongodb` …)
            const onPolyglot = back
              ? { ...target.env, [findServiceDefinition(service)!.stores.variable]: drill.to }
              : {};
            // The records are written by a platform that then stops (PGlite: in a folder).
            const platform = await createTestPlatform({
              target: engine.name,
              services: drill.services,
              restartable: true,
              env: onPolyglot,
            });
            dataDir = platform.config.POLYSHOP_DATA_DIR;
            if (platform.config.DATABASE_URL)
              database = new URL(platform.config.DATABASE_URL).pathname.slice(1);
            try {
              await drill.seed(platform);
            } finally {
              await platform.close();
            }
            env = {
              ...target.env,
              ...onPolyglot,
              ...(platform.config.DATABASE_URL ? { DATABASE_URL: platform.config.DATABASE_URL } : {}),
              POLYSHOP_DATA_DIR: dataDir,
              MIGRATION_BACKFILL_LEASE_MS: String(LEASE_MS),
            };
            const config = loadPlatformConfig(env);
            targetStores = createStoreConnections(config, env);
            const postgres = async () => {
              if (!back) throw new Error('the drill reads only the target store here');
              return (targetPostgres ??= await openPostgres({ url: config.DATABASE_URL }));
            };
            targetSide = await createMigrationSides({ ...targetStores, postgres, env }).side(service, to);
          });
          after(async () => {
            await targetPostgres?.close();
            await targetStores?.close();
            await target?.close();
            if (database) await dropTestDatabase(testDatabaseUrl()!, database);
            if (dataDir) rmSync(dataDir, { recursive: true, force: true });
          });
          it(
            'reopens after the kill, resumes from the checkpoint, copies at most one batch twice, and verifies clean',
            { timeout: 300_000 },
            async () => {
              const total = await withPlatformStores(async ({ sides }) =>
                countAll(await sides.side(service, from)),
              );
              assert.ok(total >= 10 * BATCH, `${total} records seeded: the backfill takes a dozen batches`);
              const args = ['migrate-store', service, '--to', to, '--phase', 'read-switch'];

              // 1. The first run, killed once the target holds a third of the records (slower than on
              //    PostgreSQL: a count on moto under load can take longer than a third of the run).
              const first = polyshop(
                [...args, '--rate', String(RATE / 2), '--batch-size', String(BATCH)],
                env,
              );
              let exited = false;
              void first.done.then(() => (exited = true));
              const deadline = performance.now() + 180_000;
              for (;;) {
                const copied = await countAll(targetSide);
                if (copied >= total / 3) break;
                if (exited || performance.now() > deadline) {
                  first.child.kill('SIGKILL');
                  const { stdout, stderr } = await first.done;
                  assert.fail(`no backfill progress (${copied} of ${total} copied):\n${stdout}\n${stderr}`);
                }
                await new Promise((resolve) => setTimeout(resolve, 20));
              }
              first.child.kill('SIGKILL');
              const killed = await first.done;
              assert.equal(killed.signal, 'SIGKILL', killed.stderr);
              assert.doesNotMatch(killed.stdout, /backfill complete/);

              // 2. The folder opens again; a restart while the dead process's lease lives is refused, and
              //    leaves the checkpoint alone. What the target holds past the checkpoint: at most a batch.
              const { left, leaseLeftMs, rest, inFlight } = await withPlatformStores(async (connections) => {
                const state = connections.engine.state;
                const left: MigrationState = await state.require(service);
                assert.equal(left.phase, 'backfill');
                assert.equal(left.checkpoint.completed, false);
                const lease = await state.backfillLease(service);
                assert.ok(lease, 'the dead process left its lease');
                await assert.rejects(
                  runMigrateStore(
                    service,
                    { to, phase: 'read-switch', batchSize: BATCH },
                    connections,
                    () => {},
                  ),
                  { code: 'MIGRATION.BACKFILL_RUNNING' },
                );
                assert.deepEqual((await state.require(service)).checkpoint, left.checkpoint);
                const source = await connections.sides.side(service, from);
                return {
                  left,
                  leaseLeftMs: lease.expiresAt.getTime() - Date.now(),
                  rest: await pastCheckpoint(source, left.checkpoint),
                  inFlight: await inFlightAfterKill(targetSide, left),
                };
              });

              // 3. Once the lease expired, the restart takes over and resumes from the checkpoint.
              if (leaseLeftMs > 0) await new Promise((resolve) => setTimeout(resolve, leaseLeftMs + 100));
              const second = await polyshop([...args, '--rate', '100000', '--batch-size', String(BATCH)], env)
                .done;
              assert.equal(second.code, 0, second.stderr);
              const { alreadyThere } = assertResumed(service, second.stdout, left, rest, inFlight);

              await withPlatformStores(async ({ engine, sides }) => {
                const finished = await engine.state.require(service);
                assert.equal(finished.checkpoint.completed, true);
                assert.deepEqual(finished.backfill, { copied: total - inFlight, skipped: inFlight });
                assert.equal(await engine.state.backfillLease(service), undefined);
                assert.deepEqual(
                  await sideContents(targetSide),
                  await sideContents(await sides.side(service, from)),
                );
              });
              process.stdout.write(
                `# ${service} (${engine.name}, ${from} → ${to}): kill -9 at ${left.backfill.copied}/${total} checkpointed (done: ${left.checkpoint.done.join(', ') || 'none'}); copied twice: ${alreadyThere} (batch ${BATCH})\n`,
              );
            },
          );
        });
      }
    },
  );
}
