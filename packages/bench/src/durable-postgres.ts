import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findPostgresProgram } from './pgbench.ts';

const run = promisify(execFile);

/** A private PostgreSQL cluster the benchmark starts and stops: durable commits, nothing else on it. */
export interface BenchPostgres {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** postgres refuses to run as root: as root, run its programs as the `postgres` user (Debian's package makes it). */
async function asOwner(program: string, args: string[]): Promise<void> {
  const root = process.getuid?.() === 0;
  await run(root ? 'runuser' : program, root ? ['-u', 'postgres', '--', program, ...args] : args, {
    maxBuffer: 16 * 1024 * 1024,
  });
}

/**
 * Starts a throwaway PostgreSQL cluster from the installed binaries with **durable** commits (`fsync`
 * and `synchronous_commit` on, the server's defaults), so the benchmark measures what a production
 * server does, not the test server's `fsync=off`. Returns undefined when no PostgreSQL is installed.
 */
export async function startDurablePostgres(): Promise<BenchPostgres | undefined> {
  const initdb = findPostgresProgram('initdb');
  const pgCtl = findPostgresProgram('pg_ctl');
  if (!initdb || !pgCtl) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'polyshop-bench-pg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await asOwner(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -c max_connections=300 -c fsync=on -c synchronous_commit=on`;
  await asOwner(pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', options, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await asOwner(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
