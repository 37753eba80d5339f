import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AppError } from '@polyshop/kernel';
import { LOCK_FILE, lockDataFolder } from '../src/postgres/data-folder-lock.ts';
import { PgliteDatabase } from '../src/postgres/pglite-database.ts';

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'polyshop-lock-'));
  folders.push(dir);
  return dir;
}
after(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A process of its own that runs until killed (the other holder of a folder). */
async function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  return child;
}

const inUse = (pid: number) => (error: unknown) =>
  error instanceof AppError &&
  error.kind === 'conflict' &&
  error.code === 'STORE.DATA_FOLDER_IN_USE' &&
  error.message.includes(`process ${pid}`);

describe('the PGlite data folder lock', () => {
  it('names this process while held, and is gone once released', () => {
    const dir = folder();
    const release = lockDataFolder(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
    release();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  });

  it('refuses a folder another running process holds, and leaves its lock alone', async () => {
    const dir = folder();
    const other = await otherProcess();
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      assert.throws(() => lockDataFolder(dir), inUse(other.pid!));
      assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(other.pid));
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that no longer runs (killed with -9)', async () => {
    const dir = folder();
    const gone = await otherProcess();
    gone.kill('SIGKILL');
    await once(gone, 'exit');
    writeFileSync(join(dir, LOCK_FILE), `${gone.pid}\n`);
    const release = lockDataFolder(dir);
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8').trim(), String(process.pid));
    release();
  });

  it('PGlite: opening a held folder fails before touching it; close releases it for the next open', async () => {
    const dir = folder();
    const db = await PgliteDatabase.open({ dataDir: dir });
    await db.execute('CREATE TABLE kept (n int)');
    await db.execute('INSERT INTO kept VALUES (1)');
    await db.close();
    assert.equal(existsSync(join(dir, LOCK_FILE)), false);

    const other = await otherProcess();
    try {
      writeFileSync(join(dir, LOCK_FILE), `${other.pid}\n`);
      await assert.rejects(PgliteDatabase.open({ dataDir: dir }), inUse(other.pid!));
    } finally {
      other.kill('SIGKILL');
      await once(other, 'exit');
    }
    const again = await PgliteDatabase.open({ dataDir: dir }); // the dead holder's lock is taken over
    try {
      assert.deepEqual(await again.query('SELECT n FROM kept'), [{ n: 1 }]);
    } finally {
      await again.close();
    }
  });
});
