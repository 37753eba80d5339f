import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MigrationStateStore,
  type BackfillCheckpoint,
  type MigrationSide,
  type MigrationState,
} from '@polyshop/migration';
import { sideContents } from '@polyshop/migration/testing';
import { dropTestDatabase, startTcpProxy, testDatabaseUrl, type TcpProxy } from '@polyshop/testing';
import { createTestPlatform } from '@polyshop/platform/testing';
import { NodePostgresDatabase } from '@polyshop/stores';
import { runMigrateStore } from '../src/cli/migrate-store-command.ts';
import {
  openMigrationConnections,
  type MigrationConnections,
} from '../src/migration/migration-connections.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';
import {
  BACKFILL_KILL_CASES,
  openTargetOf,
  skipOf,
  type TargetNamespace,
} from './support/backfill-kill-cases.ts';
import {
  assertResumed,
  BATCH,
  inFlightAfterKill,
  killRunning,
  LEASE_MS,
  pastCheckpoint,
  polyshopProcess as polyshop,
  RATE,
} from './support/backfill-kill-drill.ts';

/**
 * Issue 14, "must show": `kill -9` of `polyshop migrate-store <service> --to <store>` in the middle of
 * its backfill, for every movable service (products → MongoDB, inventory → DynamoDB, notifications →
 * MongoDB, search → OpenSearch), on the real servers, PostgreSQL a database of its own per service.
 * The restart resumes from the checkpoint the dead process saved last, and the records it copied
 * twice are counted from the stores, not guessed:
 *
 * - the first run reaches PostgreSQL (its source and the control store) through a TCP proxy; once a
 *   third of the records is checkpointed, the proxy holds the line, so the batch in hand reaches the
 *   target while its checkpoint cannot be saved, and the process is killed then — the worst moment;
 * - after the kill, the target is read through its migration side: its records with a key past the
 *   checkpoint (in a kind not done) are the batch the dead process was writing (written, not yet
 *   checkpointed): `inFlight`;
 * - the restarted backfill scans from the checkpoint and upserts only where the target's version is
 *   older, so the records it reports "already there" are exactly the ones copied twice. The test
 *   requires the two counts to agree, and both to be at most one batch.
 *
 * A backfill that restarted from zero, re-copied more than the batch in hand, or lost records below
 * its checkpoint, or a side whose scan order is not the checkpoint's key order, fails one of them (the
 * order of a batch's write and its checkpoint is `runBackfill`'s own test's). The services' drills run
 * side by side (each waits mostly on its CLI's start-up and its lease).
 */

const postgresUrl = testDatabaseUrl();

/** The batch a run goes on with after `checkpoint`: the next keys of the first kind not done that has any. */
async function batchAfter(
  source: MigrationSide,
  checkpoint: BackfillCheckpoint,
): Promise<{ kind: string; keys: string[] }> {
  for (const kind of source.kinds) {
    if (checkpoint.done.includes(kind)) continue;
    const next = await source.scan(kind, checkpoint.after[kind], BATCH);
    if (next.length > 0) return { kind, keys: next.map((record) => record.key) };
  }
  return { kind: source.kinds[0]!, keys: [] };
}

/**
 * Whether the next batch after `migration`'s checkpoint is a whole batch of the kind being copied
 * (`counts`: the source's records per kind), rather than the end of a kind, where the run moves to the
 * next kind with queries of PostgreSQL only.
 */
function midKind(migration: MigrationState, counts: ReadonlyMap<string, number>): boolean {
  const { done } = migration.checkpoint;
  const kind = [...counts.keys()].find((candidate) => !done.includes(candidate));
  if (kind === undefined) return false;
  const copiedOfKind = done.reduce(
    (left, finished) => left - counts.get(finished)!,
    migration.backfill.copied,
  );
  return copiedOfKind > 0 && copiedOfKind + BATCH <= counts.get(kind)!;
}

describe(
  'polyshop migrate-store <service>: kill -9 during the backfill, then restart',
  { concurrency: true, skip: postgresUrl ? false : 'POLYSHOP_TEST_DATABASE_URL is not set' },
  () => {
    after(killRunning);
    for (const drill of BACKFILL_KILL_CASES) {
      const { service, to } = drill;
      describe(`${service}: PostgreSQL → ${to}`, { skip: skipOf(drill) }, () => {
        let db: NodePostgresDatabase;
        let database: string | undefined;
        let target: TargetNamespace | undefined;
        let env: Record<string, string>;
        let state: MigrationStateStore;
        let connections: MigrationConnections | undefined;
        /** The first run's way to PostgreSQL (source and control store), held before the kill. */
        let proxy: TcpProxy | undefined;
        const dataDir = mkdtempSync(join(tmpdir(), `polyshop-migrate-kill-${service}-`));

        before(async () => {
          // The records are written by a platform that then stops (it leaves the migration's members):
          // no server of the service runs, so the phase changes wait for no one.
          const platform = await createTestPlatform({ target: 'postgres', services: drill.services });
          database = new URL(platform.config.DATABASE_URL!).pathname.slice(1);
          try {
            await drill.seed(platform);
          } finally {
            await platform.close();
          }
          db = new NodePostgresDatabase({ url: platform.config.DATABASE_URL!, poolSize: 2 });
          target = await openTargetOf(drill);
          env = {
            ...target.env,
            DATABASE_URL: platform.config.DATABASE_URL!,
            POLYSHOP_DATA_DIR: dataDir,
            MIGRATION_BACKFILL_LEASE_MS: String(LEASE_MS),
          };
          state = new MigrationStateStore(db);
          // this process's view of both stores, through the sides the CLI opens with the same variables
          connections = await openMigrationConnections(loadPlatformConfig(env), env);
          proxy = await startTcpProxy({ target: env.DATABASE_URL! });
        });
        after(async () => {
          await proxy?.close();
          await connections?.close();
          await db?.close();
          if (database) await dropTestDatabase(postgresUrl!, database);
          await target?.close();
          rmSync(dataDir, { recursive: true, force: true });
        });

        it(
          'resumes from the checkpoint, copies at most one batch twice (counted from the stores), and verifies clean',
          { timeout: 300_000 },
          async () => {
            const source = await connections!.sides.side(service, 'postgres');
            const targetSide = await connections!.sides.side(service, to);
            const counts = new Map<string, number>();
            for (const kind of source.kinds) counts.set(kind, await source.count(kind));
            const total = [...counts.values()].reduce((a, b) => a + b, 0);
            assert.ok(total >= 10 * BATCH, `${total} records seeded: the backfill takes a dozen batches`);
            const args = ['migrate-store', service, '--to', to, '--phase', 'read-switch'];
            const flags = ['--rate', String(RATE), '--batch-size', String(BATCH)];

            // 1. The first run (its PostgreSQL through the proxy), killed once its checkpoint shows a
            //    third of the records copied, within a kind: first its PostgreSQL goes quiet, so the
            //    batch in hand is written to the target and its checkpoint is not saved; the kill comes
            //    once the target holds some of that batch (or after a while, when the line went quiet
            //    in a scan).
            const started = performance.now();
            const first = polyshop([...args, ...flags], {
              ...env,
              DATABASE_URL: proxy!.url(env.DATABASE_URL),
            });
            let seen: MigrationState | undefined;
            let exited = false;
            void first.done.then(() => (exited = true));
            const deadline = performance.now() + 180_000;
            for (;;) {
              seen = await state.get(service);
              if (seen && seen.backfill.copied >= total / 3 && midKind(seen, counts)) break;
              if (exited || performance.now() > deadline) {
                first.child.kill('SIGKILL');
                const { stdout, stderr } = await first.done;
                assert.fail(`no backfill progress (${JSON.stringify(seen)}):\n${stdout}\n${stderr}`);
              }
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
            // half a batch's time on: the checkpoint's answer reached the run, the next batch is in hand
            await new Promise((resolve) => setTimeout(resolve, (500 * BATCH) / RATE));
            proxy!.hold();
            // the batch after the checkpoint as the line went quiet (a save on its way may still land)
            const held = await state.require(service);
            const inHand = await batchAfter(source, held.checkpoint);
            const quietUntil = performance.now() + 1500;
            while (
              performance.now() < quietUntil &&
              (await targetSide.read(inHand.kind, inHand.keys)).length === 0
            ) {
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            first.child.kill('SIGKILL');
            const killed = await first.done;
            const killedAfter = performance.now() - started;
            assert.equal(killed.signal, 'SIGKILL', killed.stderr);
            assert.doesNotMatch(killed.stdout, /backfill complete/);

            // 2. A restart at once, while the dead process's lease is live, is refused: no two backfills
            //    at once. (The command's work in this process: a second process's start-up could outlast
            //    the lease.)
            const left = await state.require(service);
            const lease = await state.backfillLease(service);
            assert.ok(lease, 'the dead process left its lease');
            const [refusedAt] = await db.query<{ now: Date }>('SELECT now() AS now');
            await assert.rejects(
              runMigrateStore(
                service,
                { to, phase: 'read-switch', batchSize: BATCH },
                connections!,
                () => {},
              ),
              {
                code: 'MIGRATION.BACKFILL_RUNNING',
                message: new RegExp(`A backfill of ${service} is already running`),
              },
              `a restart ${lease.expiresAt.getTime() - refusedAt!.now.getTime()} ms before the lease's end`,
            );

            // 3. What the dead process left: its checkpoint (the refused restart left it alone), its lease
            //    (in the status), and the target store.
            assert.deepEqual((await state.require(service)).checkpoint, left.checkpoint);
            assert.equal(left.phase, 'backfill');
            assert.equal(left.checkpoint.completed, false);
            const status: string[] = [];
            await runMigrateStore(service, { status: true }, connections!, (line) => status.push(line));
            assert.match(status.join('\n'), new RegExp(`backfill lease: ${lease.holder} until `));

            const inFlight = await inFlightAfterKill(targetSide, left);

            // 4. Once the lease expired, the restart takes over and resumes from the checkpoint.
            const [clock] = await db.query<{ now: Date }>('SELECT now() AS now');
            const wait = lease.expiresAt.getTime() - clock!.now.getTime() + 100;
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
            const restarted = performance.now();
            // (unthrottled: the first run's rate is saved with the migration)
            const unthrottled = ['--rate', '100000', '--batch-size', String(BATCH)];
            const second = await polyshop([...args, ...unthrottled], env).done;
            const restartTook = performance.now() - restarted;
            assert.equal(second.code, 0, second.stderr);
            const { alreadyThere } = assertResumed(
              service,
              second.stdout,
              left,
              await pastCheckpoint(source, left.checkpoint),
              inFlight,
            );

            const finished = await state.require(service);
            assert.equal(finished.checkpoint.completed, true);
            assert.deepEqual(finished.backfill, { copied: total - inFlight, skipped: inFlight });
            assert.equal(await state.backfillLease(service), undefined);
            assert.deepEqual(await sideContents(targetSide), await sideContents(source));
            process.stdout.write(
              `# ${service}: kill -9 at ${left.backfill.copied}/${total} checkpointed (done: ${left.checkpoint.done.join(', ') || 'none'}); ` +
                `copied twice: ${alreadyThere} (batch ${BATCH}); first run ${(killedAfter / 1000).toFixed(1)} s, restart ${(restartTook / 1000).toFixed(1)} s\n`,
            );
          },
        );
      });
    }
  },
);
