import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/polyshop.mjs', import.meta.url));

/** A `polyshop start` (or `serve`) child process on a free loopback port (end-to-end tests). */
export interface PolyshopProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal). */
  exited: Promise<number | null>;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Spawns `polyshop start --port <port> --data-dir <dataDir>` (or `polyshop serve <service>` …) with
 * `env` added to this process's environment, and waits (at most `readyTimeoutMs`) until it logs
 * that it is ready. The port is a free one unless given.
 */
export async function startPolyshop(options: {
  dataDir: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** `['serve', 'orders']`; default `['start']`. */
  command?: string[];
  port?: number;
}): Promise<PolyshopProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [bin, ...(options.command ?? ['start']), '--port', String(port), '--data-dir', options.dataDir],
    {
      env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (!output.includes('polyshop ready') && !gone && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  if (!output.includes('polyshop ready')) {
    child.kill('SIGKILL');
    throw new Error(`polyshop did not start:\n${output.slice(-4000)}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    output: () => output,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A JSON answer from a real HTTP call: status, headers and the parsed body (undefined when empty). */
export interface HttpJsonResponse {
  status: number;
  headers: Headers;
  /** Untyped on purpose: end-to-end tests read whatever shape the route returns. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  body: any;
}

/** JSON over real HTTP to a spawned platform (`base` = `http://127.0.0.1:<port>`), with an optional bearer token. */
export async function httpJson(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpJsonResponse> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
