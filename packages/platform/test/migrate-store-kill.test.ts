import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareCodePoints, MigrationStateStore, type MigrationState } from '@polyshop/migration';
import { scanAll, sideContents } from '@polyshop/migration/testing';
import { MongoCatalogSide, PostgresCatalogSide } from '@polyshop/products';
import { dropTestDatabase } from '@polyshop/testing';
import { createTestPlatform } from '@polyshop/platform/testing';
import { NodePostgresDatabase } from '@polyshop/stores';
import { runMigrateStore } from '../src/cli/migrate-store-command.ts';
import { seedCatalogue } from '../src/cli/seed-command.ts';
import { openMigrationConnections } from '../src/migration/migration-connections.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';
import { envWithoutPlatformStores, mongoAndPostgres, mongoUrlOf } from './support/catalogue-migration.ts';

/**
 * `kill -9` of `polyshop migrate-store` in the middle of its backfill, on the real PostgreSQL (a
 * database of its own) and MongoDB: the restart resumes from the checkpoint the dead process saved
 * last, and the records it copied twice are counted from the stores, not guessed:
 *
 * - after the kill, MongoDB is read: its products with a key above the checkpoint are the batch the
 *   dead process was writing (written, not yet checkpointed): `inFlight`;
 * - the restarted backfill scans from the checkpoint and upserts only where MongoDB's version is
 *   older, so the records it reports "already there" are exactly the ones copied twice. The test
 *   requires the two counts to agree, and both to be at most one batch.
 *
 * A backfill that restarted from zero, saved its checkpoint before its writes, or wrote more than a
 * batch between two checkpoints fails one of them.
 */

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const platformDir = fileURLToPath(new URL('..', import.meta.url));
const baseEnv = envWithoutPlatformStores();

const PRODUCTS = 300;
const BATCH = 20;
/** Records per second: the 305 records take about 3 s or more (MongoDB's own pace), the kill lands in between. */
const RATE = 100;
/** The dead process's lease outlives the kill (a restart is refused), then expires (taken over). */
const LEASE_MS = 4000;

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The real CLI in a process of its own (no wrapper process: the kill reaches the backfill itself). */
function polyshop(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd: platformDir,
    env: { ...baseEnv, LOG_LEVEL: 'silent', CI: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return {
    child,
    done: new Promise((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
    ),
  };
}

const { mongo, postgresUrl, skip } = mongoAndPostgres();

describe('polyshop migrate-store products: kill -9 during the backfill, then restart', { skip }, () => {
  let db: NodePostgresDatabase;
  let database: string | undefined;
  let opened: Awaited<ReturnType<typeof mongo.open>>;
  let env: Record<string, string>;
  let state: MigrationStateStore;
  const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-migrate-kill-'));

  before(async () => {
    // The catalogue is seeded by a platform that then stops (it leaves the migration's members): no
    // server of products runs, so the phase changes wait for no one.
    const platform = await createTestPlatform({ target: 'postgres', services: ['users', 'products'] });
    await seedCatalogue(platform, { products: PRODUCTS, seed: 13, batchSize: 500, progress: false });
    await platform.close();
    database = new URL(platform.config.DATABASE_URL!).pathname.slice(1);
    db = new NodePostgresDatabase({ url: platform.config.DATABASE_URL!, poolSize: 4 });
    opened = await mongo.open();
    env = {
      DATABASE_URL: platform.config.DATABASE_URL!,
      MONGODB_URL: mongoUrlOf(opened),
      POLYSHOP_DATA_DIR: dataDir,
      MIGRATION_BACKFILL_LEASE_MS: String(LEASE_MS),
    };
    state = new MigrationStateStore(db);
  });
  after(async () => {
    await db?.close();
    if (database) await dropTestDatabase(postgresUrl!, database);
    if (opened) await mongo.close(opened);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes from the checkpoint, copies at most one batch twice (counted from the stores), and verifies clean', async () => {
    const source = new PostgresCatalogSide(db);
    const target = new MongoCatalogSide(opened.connection);
    const total = (await Promise.all(source.kinds.map((kind) => source.count(kind)))).reduce((a, b) => a + b);
    const args = ['migrate-store', 'products', '--to', 'mongodb', '--phase', 'read-switch'];
    const flags = ['--rate', String(RATE), '--batch-size', String(BATCH)];

    // 1. The first run, killed once its checkpoint shows a third of the records copied.
    const first = polyshop([...args, ...flags], env);
    let seen: MigrationState | undefined;
    let exited = false;
    void first.done.then(() => (exited = true));
    const deadline = performance.now() + 60_000;
    for (;;) {
      seen = await state.get('products');
      if (seen && seen.backfill.copied >= total / 3) break;
      if (exited || performance.now() > deadline) {
        first.child.kill('SIGKILL');
        const { stdout, stderr } = await first.done;
        assert.fail(`no backfill progress (${JSON.stringify(seen)}):\n${stdout}\n${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    assert.doesNotMatch(killed.stdout, /backfill complete/);

    // 2. What the dead process left: its checkpoint, its lease, and MongoDB.
    const left = await state.require('products');
    assert.equal(left.phase, 'backfill');
    assert.equal(left.checkpoint.completed, false);
    const lease = await state.backfillLease('products');
    assert.ok(lease, 'the dead process left its lease');

    // 3. A restart while the dead process's lease is live is refused: no two backfills at once. (The
    //    command's work in this process: a second process start-up could outlast the lease.)
    const connections = await openMigrationConnections(loadPlatformConfig(env), env);
    try {
      const status: string[] = [];
      await runMigrateStore('products', { status: true }, connections, (line) => status.push(line));
      assert.match(status.join('\n'), new RegExp(`backfill lease: ${lease.holder} until `));
      await assert.rejects(
        runMigrateStore(
          'products',
          { to: 'mongodb', phase: 'read-switch', batchSize: BATCH },
          connections,
          () => {},
        ),
        { code: 'MIGRATION.BACKFILL_RUNNING', message: /A backfill of products is already running/ },
      );
    } finally {
      await connections.close();
    }
    assert.deepEqual((await state.require('products')).checkpoint, left.checkpoint);

    // What MongoDB holds past the checkpoint: the batch the dead process was writing.
    const checkpointed = left.checkpoint.after.products;
    assert.ok(checkpointed, JSON.stringify(left.checkpoint));
    const inMongo = await scanAll(target, 'products', 500);
    const inFlight = inMongo.filter((record) => compareCodePoints(record.key, checkpointed) > 0).length;
    const categories = (await scanAll(target, 'categories', 500)).length;
    // every record below the checkpoint is in MongoDB, and the checkpoint's count says so
    assert.equal(categories + inMongo.length - inFlight, left.backfill.copied);
    assert.ok(inFlight <= BATCH, `${inFlight} records written past the checkpoint (batch ${BATCH})`);

    // 4. Once the lease expired, the restart takes over and resumes from the checkpoint.
    const [clock] = await db.query<{ now: Date }>('SELECT now() AS now');
    const wait = lease.expiresAt.getTime() - clock!.now.getTime() + 100;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const second = await polyshop([...args, '--batch-size', String(BATCH)], env).done;
    assert.equal(second.code, 0, second.stderr);
    assert.ok(
      second.stdout.includes(`backfill resumes from its checkpoint: after products ${checkpointed}`),
      second.stdout,
    );
    const report = /backfill complete: (\d+) copied, (\d+) already there/.exec(second.stdout);
    assert.ok(report, second.stdout);
    const [copiedAgain, alreadyThere] = [Number(report[1]), Number(report[2])];
    const sourceProducts = await scanAll(source, 'products', 500);
    const rest = sourceProducts.filter((record) => compareCodePoints(record.key, checkpointed) > 0).length;
    assert.equal(copiedAgain + alreadyThere, rest, 'the restart scanned from the checkpoint, not from zero');
    assert.equal(alreadyThere, inFlight, 'copied twice: what the store held past the checkpoint');
    assert.ok(alreadyThere <= BATCH);
    assert.match(second.stdout, /verify clean/);
    assert.match(second.stdout, /products: read-switch/);

    const finished = await state.require('products');
    assert.equal(finished.checkpoint.completed, true);
    assert.deepEqual(finished.backfill, { copied: total - inFlight, skipped: inFlight });
    assert.equal(await state.backfillLease('products'), undefined);
    assert.deepEqual(await sideContents(target), await sideContents(source));
    process.stdout.write(
      `# kill -9 at ${left.backfill.copied}/${total} checkpointed; copied twice: ${alreadyThere} (batch ${BATCH})\n`,
    );
  });
});
