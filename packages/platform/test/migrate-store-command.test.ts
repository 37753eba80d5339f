import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '@polyshop/kernel';
import { sideContents } from '@polyshop/migration/testing';
import { MongoCatalogSide, PostgresCatalogSide } from '@polyshop/products';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import { runMigrateStore, type MigrateStoreCommandOptions } from '../src/cli/migrate-store-command.ts';
import { seedCatalogue } from '../src/cli/seed-command.ts';
import { buildPlatform } from '../src/platform.ts';
import { loadPlatformConfig } from '../src/platform-config.ts';
import { envWithoutPlatformStores, mongoAndPostgres, mongoUrlOf } from './support/catalogue-migration.ts';
import { openMigrationConnections } from '../src/migration/migration-connections.ts';

const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));
const baseEnv = envWithoutPlatformStores();

function polyshop(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...baseEnv, LOG_LEVEL: 'silent', CI: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const { mongo, skip } = mongoAndPostgres();

describe('polyshop migrate-store products, PostgreSQL → MongoDB', { skip }, () => {
  let platform: TestPlatform;
  let opened: Awaited<ReturnType<typeof mongo.open>>;
  let env: Record<string, string>;

  before(async () => {
    // the running platform can reach MongoDB too: its products process applies every phase (a
    // process that cannot stays at its epoch, and the next phase waits for it)
    opened = await mongo.open();
    platform = await createTestPlatform({
      target: 'postgres',
      services: ['users', 'products'],
      env: { MONGODB_URL: mongoUrlOf(opened) },
    });
    await seedCatalogue(platform, { products: 40, seed: 7, batchSize: 20, progress: false });
    env = {
      DATABASE_URL: platform.config.DATABASE_URL!,
      MONGODB_URL: mongoUrlOf(opened),
      POLYSHOP_DATA_DIR: mkdtempSync(join(tmpdir(), 'polyshop-migrate-store-')),
    };
  });
  after(async () => {
    await platform?.dispose();
    if (opened) await mongo.close(opened);
  });

  /** The command's work in this process (no child start-up): its lines, or the AppError it refused with. */
  async function inProcess(service: string | undefined, options: MigrateStoreCommandOptions) {
    const connections = await openMigrationConnections(loadPlatformConfig(env), env);
    const lines: string[] = [];
    try {
      await runMigrateStore(service, options, connections, (line) => lines.push(line));
      return lines.join('\n');
    } finally {
      await connections.close();
    }
  }

  it('says there is nothing to show before any migration', async () => {
    assert.match(await inProcess(undefined, { status: true }), /no store migration was started/);
  });

  it('stops at read-switch without --yes, then finishes with it: MongoDB holds the same catalogue', async () => {
    const first = await polyshop(['migrate-store', 'products', '--to', 'mongodb', '--rate', '1000'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migration postgres → mongodb started/);
    assert.match(first.stdout, /backfill complete: \d+ copied/);
    assert.match(first.stdout, /verify clean/);
    assert.match(first.stdout, /To switch writes: polyshop migrate-store products --to mongodb --yes/);

    const status = await polyshop(['migrate-store', 'products', '--status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /products: postgres → mongodb, phase read-switch, epoch 4/);
    assert.match(status.stdout, /rate 1000 records\/s/);
    assert.match(status.stdout, /last verify: clean \(in verify, epoch 3/);

    const second = await polyshop(['migrate-store', 'products', '--to', 'mongodb', '--yes'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /products: finished \(epoch 6\)/);

    const all = await inProcess(undefined, { status: true });
    assert.match(all, /products: postgres → mongodb, phase finished, epoch 6/);
    assert.match(all, /repair log: 0 keys/);

    const source = await sideContents(new PostgresCatalogSide(await platform.postgres()));
    const target = await sideContents(new MongoCatalogSide(opened.connection));
    assert.equal([...source.keys()].filter((key) => key.startsWith('products/')).length, 40);
    assert.deepEqual(target, source);
  });

  it('refuses with the problem’s message, a non-zero exit and no stack trace', async () => {
    const store = await polyshop(['migrate-store', 'products', '--to', 'cassandra'], env);
    assert.equal(store.code, 1);
    assert.match(store.stderr, /products cannot run on "cassandra"; its stores: postgres, mongodb\. \(to\)/);
    assert.doesNotMatch(store.stderr, /\n\s+at /);
    await assert.rejects(inProcess('users', { to: 'mongodb' }), {
      code: 'MIGRATION.UNKNOWN_SERVICE',
      field: 'service',
      message: /users cannot migrate between stores/,
    });
    await assert.rejects(inProcess('products', { rollback: true }), {
      code: 'MIGRATION.CANNOT_ROLL_BACK',
      message: /products cannot roll back from finished/,
    });
    assert.match(await inProcess('products', { to: 'mongodb' }), /products is already on mongodb/);
    await assert.rejects(inProcess('products', { all: true, to: 'polyglot' }), {
      code: 'MIGRATION.OPTIONS',
      field: 'service',
    });
    await assert.rejects(inProcess(undefined, { all: true, to: 'mongodb' }), {
      code: 'MIGRATION.PLATFORM_TARGET',
      field: 'to',
      message: /With --all, --to names a deployment: polyglot or phase1 \(got "mongodb"\)/,
    });
    await assert.rejects(inProcess(undefined, { all: true, cleanup: true }), { field: 'cleanup' });
    assert.match(
      await inProcess(undefined, { all: true, rollback: true }),
      /no store migration is under way: nothing to roll back/,
    );
  });

  it('--all --to phase1 moves every service not on PostgreSQL back, one after another, and skips the rest', async () => {
    const run = await polyshop(['migrate-store', '--all', '--to', 'phase1', '--batch-size', '15'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\[1\/4\] products → postgres\n/);
    assert.match(run.stdout, /products: migration mongodb → postgres started/);
    assert.match(run.stdout, /products: finished/);
    for (const [index, service] of ['inventory', 'search', 'notifications'].entries()) {
      assert.match(run.stdout, new RegExp(`\\[${index + 2}/4\\] ${service} is already on postgres`));
    }
    assert.match(run.stdout, /every movable service is on PostgreSQL/);
    assert.match(
      await inProcess(undefined, { status: true }),
      /products: mongodb → postgres, phase finished/,
    );
    const again = await inProcess(undefined, { all: true, to: 'phase1' });
    assert.match(again, /\[1\/4\] products is already on postgres/);
  });
});

describe(
  'polyshop migrate-store: verify differences, --repair, --phase and --rollback (in process)',
  { skip },
  () => {
    let platform: TestPlatform;
    let opened: Awaited<ReturnType<typeof mongo.open>>;
    let env: Record<string, string>;

    before(async () => {
      opened = await mongo.open();
      platform = await createTestPlatform({
        target: 'postgres',
        services: ['users', 'products'],
        env: { MONGODB_URL: mongoUrlOf(opened) },
      });
      await seedCatalogue(platform, { products: 10, seed: 11, batchSize: 10, progress: false });
      env = { DATABASE_URL: platform.config.DATABASE_URL!, MONGODB_URL: mongoUrlOf(opened) };
    });
    after(async () => {
      await platform?.dispose();
      if (opened) await mongo.close(opened);
    });

    async function command(service: string | undefined, options: MigrateStoreCommandOptions) {
      const connections = await openMigrationConnections(loadPlatformConfig(env), env);
      const lines: string[] = [];
      try {
        await runMigrateStore(service, options, connections, (line) => lines.push(line));
        return lines.join('\n');
      } finally {
        await connections.close();
      }
    }

    it('stops at --phase, lists the differences verify found, repairs them with --repair, and rolls back', async () => {
      const toVerify = await command('products', { to: 'mongodb', phase: 'verify' });
      assert.match(toVerify, /backfill complete: 15 copied/);
      assert.match(toVerify, /products: verify \(epoch 3\)$/);
      assert.doesNotMatch(toVerify, /verify clean/);

      const lost = await opened.connection.db.collection<{ _id: string }>('products').findOne({});
      await opened.connection.db.collection<{ _id: string }>('products').deleteOne({ _id: lost!._id });
      await assert.rejects(command('products', { to: 'mongodb' }), (error: Error & { code: string }) => {
        assert.equal(error.code, 'MIGRATION.NOT_VERIFIED');
        assert.match(error.message, /verify found 1 differences between postgres and mongodb/);
        assert.ok(
          error.message.includes(`products ${lost!._id}: missing (source v1, not in target)`),
          error.message,
        );
        assert.match(error.message, /Run again with --repair/);
        return true;
      });

      const repaired = await command('products', { to: 'mongodb', repair: true });
      assert.match(repaired, /verify repaired 1 copied, 0 removed, 0 failed; verifying again/);
      assert.match(repaired, /verify clean/);
      assert.match(repaired, /products: read-switch \(epoch 4\)/);
      assert.match(repaired, /To switch writes/);

      assert.match(
        await command('products', { rollback: true }),
        /rolled back to postgres \(idle, epoch 5\)/,
      );
      assert.match(await command(undefined, { status: true }), /phase idle, epoch 5/);
    });
  },
);

describe('polyshop migrate-store products on a PGlite data folder', { skip: mongo.skip }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'polyshop-migrate-store-pglite-'));
  let opened: Awaited<ReturnType<typeof mongo.open>>;
  let env: Record<string, string>;

  before(async () => {
    const platform = await buildPlatform({
      env: { LOG_LEVEL: 'silent' },
      overrides: { POLYSHOP_DATA_DIR: dataDir },
      services: ['products'],
      logger: silentLogger(),
    });
    await seedCatalogue(platform, { products: 8, seed: 5, batchSize: 8, events: false, progress: false });
    await platform.close();
    opened = await mongo.open();
    env = { MONGODB_URL: mongoUrlOf(opened) };
  });
  after(async () => {
    if (opened) await mongo.close(opened);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('moves the catalogue to MongoDB with --yes (the server stopped, as PGlite has one process)', async () => {
    const moved = await polyshop(
      ['migrate-store', 'products', '--to', 'mongodb', '--yes', '--data-dir', dataDir],
      env,
    );
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /backfill complete: 13 copied/);
    assert.match(moved.stdout, /products now runs on mongodb \(set PRODUCT_STORE=mongodb/);
    assert.equal(await opened.connection.db.collection('products').countDocuments(), 8);
  });
});
