import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, isCI, repoRoot } from '@polyshop/testing';

/** The balancer users run: `deploy/haproxy.cfg`, as the repository ships it. */
export const HAPROXY_CONFIG = join(repoRoot, 'deploy', 'haproxy.cfg');

/** `haproxy` on the PATH or in /usr/sbin (Debian's package); undefined when not installed. */
export function haproxyBinary(): string | undefined {
  for (const candidate of ['haproxy', '/usr/sbin/haproxy'])
    if (spawnSync(candidate, ['-v'], { encoding: 'utf8' }).status === 0) return candidate;
  return undefined;
}

/** Why a test that needs HAProxy cannot run here (false when it can); in CI a missing one is an error. */
export function haproxySkip(): string | false {
  if (haproxyBinary()) return false;
  if (isCI) throw new Error('haproxy is not installed: CI installs it (apt-get install haproxy).');
  return 'haproxy is not installed (apt-get install haproxy)';
}

/** One server of a backend as the stats page shows it (`UP`, `DOWN`, `UP 1/2` while rising, …). */
export interface BackendServer {
  backend: string;
  server: string;
  status: string;
}

/** A running `haproxy -f deploy/haproxy.cfg`. */
export interface Balancer {
  /** `http://127.0.0.1:<port>`: the public port. */
  url: string;
  /** Every backend server and its health. */
  servers(): Promise<BackendServer[]>;
  /** Resolves once every server of every backend is `UP`. */
  allUp(timeoutMs?: number): Promise<void>;
  /** Resolves once `server` (e.g. `orders-1`) has `status` (`UP` or `DOWN`). */
  until(server: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts HAProxy in the foreground with the repository's config, its addresses set from `env`
 * (`POLYSHOP_LB_BIND`, `POLYSHOP_LB_STATS`, `POLYSHOP_<SERVICE>_1|2`: see the config's header).
 */
export async function startBalancer(env: Record<string, string>): Promise<Balancer> {
  const bind = env.POLYSHOP_LB_BIND;
  const stats = env.POLYSHOP_LB_STATS;
  if (!bind || !stats) throw new Error('startBalancer needs POLYSHOP_LB_BIND and POLYSHOP_LB_STATS');
  const child: ChildProcess = spawn(haproxyBinary()!, ['-f', HAPROXY_CONFIG, '-db'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

  const servers = async (): Promise<BackendServer[]> => {
    const response = await fetch(`http://${stats}/stats;csv`);
    const [header, ...rows] = (await response.text()).trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter((cells) => !['FRONTEND', 'BACKEND'].includes(cells[at('svname')]!))
      .map((cells) => ({
        backend: cells[at('pxname')]!,
        server: cells[at('svname')]!,
        status: cells[at('status')]!,
      }));
  };
  await eventually(
    () =>
      servers()
        .then(() => true)
        .catch(() => false),
    {
      timeoutMs: 10_000,
      message: `haproxy to start:\n${output}`,
    },
  );
  return {
    url: `http://${bind}`,
    servers,
    async allUp(timeoutMs = 120_000) {
      await eventually(async () => (await servers()).every((server) => server.status === 'UP'), {
        timeoutMs,
        intervalMs: 250,
        message: 'every replica UP behind haproxy',
      });
    },
    async until(server, status, timeoutMs = 60_000) {
      await eventually(
        async () => (await servers()).find((each) => each.server === server)?.status === status,
        { timeoutMs, intervalMs: 100, message: `${server} ${status} behind haproxy` },
      );
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
