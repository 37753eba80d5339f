import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '@polyshop/kernel';

/** The file in a PGlite data folder that names the process using it. */
export const LOCK_FILE = 'polyshop.lock';

/** Whether process `pid` runs (a process of another user counts: `EPERM`). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined; // removed meanwhile, or unreadable: treated as stale
  }
}

/**
 * Takes `dataDir` for this process: PGlite is one process's database, and a second process opening
 * the same folder (`polyshop events` or `advise` while `polyshop start` runs) would work on a copy of
 * its own and write over the first's files. The lock is a file naming this process's pid, created
 * exclusively; one left by a process that no longer runs is taken over. Returns its release.
 * Throws a conflict naming the holder when another running process has it.
 */
export function lockDataFolder(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return () => {
        if (holder(path) === process.pid) unlinkSync(path);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const pid = holder(path);
      if (pid !== undefined && pid !== process.pid && running(pid)) {
        throw AppError.conflict(
          'STORE.DATA_FOLDER_IN_USE',
          `the PGlite data folder ${dataDir} is in use by process ${pid} (polyshop start?): PGlite serves one ` +
            `process. Stop it, ask the running platform over HTTP instead (e.g. polyshop advise --url), or use ` +
            `a real PostgreSQL (DATABASE_URL). If no polyshop process runs, delete ${path}.`,
          { field: 'POLYSHOP_DATA_DIR' },
        );
      }
      unlinkSync(path); // stale: its process is gone (or it is this one's, from an open never closed)
    }
  }
}
