import type { AddressInfo } from 'node:net';
import { silentLogger } from '@polyshop/kernel';
import { buildPlatform, type Platform, type PlatformOptions } from '@polyshop/platform';
import type { ServiceName } from '@polyshop/http';
import { jsonClient } from './http-client.ts';

const ADMIN = { email: 'bench@polyshop.test', password: 'Bench-Only-Secret-2026!' };

/** A platform listening on a loopback port, with an admin token: what a benchmark client talks to. */
export interface BenchPlatform {
  platform: Platform;
  base: string;
  token: string;
  /** JSON over real HTTP with the admin token; resolves to the status and parsed body. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/**
 * Builds the platform in this process (PGlite in memory, or `databaseUrl`), listens on a free loopback
 * port and logs the bootstrap admin in. Requests go over real HTTP, as a user's would.
 */
export async function startBenchPlatform(options: {
  services: ServiceName[];
  databaseUrl?: string | undefined;
  /** Decorates the platform's PostgreSQL (see `PlatformOptions.wrapPostgres`). */
  wrapPostgres?: PlatformOptions['wrapPostgres'];
  /** More configuration, e.g. `SEARCH_STORE=opensearch` with `OPENSEARCH_URL`. */
  env?: Record<string, string>;
}): Promise<BenchPlatform> {
  const platform = await buildPlatform({
    env: {
      LOG_LEVEL: 'silent',
      POLYSHOP_ADMIN_EMAIL: ADMIN.email,
      POLYSHOP_ADMIN_PASSWORD: ADMIN.password,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl, DATABASE_POOL_SIZE: '20' } : {}),
      ...options.env,
    },
    inMemory: true,
    logger: silentLogger(),
    services: options.services,
    ...(options.wrapPostgres ? { wrapPostgres: options.wrapPostgres } : {}),
  });
  await platform.start();
  await platform.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(platform.app.server.address() as AddressInfo).port}`;
  let token = '';
  const client = jsonClient(base);
  const call = (method: string, path: string, body?: unknown) =>
    client.send(method, path, body, token ? { authorization: `Bearer ${token}` } : {});
  const login = await call('POST', '/users/login', ADMIN);
  if (login.status !== 200) throw new Error(`bench admin login answered ${login.status}`);
  token = (login.body as { accessToken: string }).accessToken;
  return {
    platform,
    base,
    token,
    call,
    close: async () => {
      client.close();
      await platform.close();
    },
  };
}
