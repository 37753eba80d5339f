import type { LightMyRequestResponse } from 'fastify';
import type { Platform } from '@polyshop/platform';
import { postgresTargets } from '@polyshop/testing';

/** The PostgreSQL engines every HTTP suite runs on (PGlite always, the real server when present). */
export const httpTargets = postgresTargets().map(({ name, skip }) => ({ name, skip }));

export interface CallOptions {
  body?: unknown;
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Client address as the service sees it (`request.ip`). */
  ip?: string;
}

/** `platform.app.inject` with a bearer token and JSON body. */
export function call(
  platform: Platform,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  options: CallOptions = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return platform.app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined ? { payload: options.body as object } : {}),
    ...(options.ip ? { remoteAddress: options.ip } : {}),
  });
}

/** A fresh email for one test. */
export function uniqueEmail(prefix = 'someone'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}@example.com`;
}

export const STRONG_PASSWORD = 'Correct-Horse-42';

/** Registers and logs in a user; returns ids and tokens. */
export async function registerAndLogin(
  platform: Platform,
  email = uniqueEmail(),
  password = STRONG_PASSWORD,
) {
  const registered = await call(platform, 'POST', '/users/register', {
    body: { email, password, name: 'Ada Lovelace' },
  });
  if (registered.statusCode !== 201)
    throw new Error(`register answered ${registered.statusCode}: ${registered.body}`);
  const login = await call(platform, 'POST', '/users/login', { body: { email, password } });
  if (login.statusCode !== 200) throw new Error(`login answered ${login.statusCode}: ${login.body}`);
  const tokens = login.json<{ accessToken: string; refreshToken: string; expiresIn: number }>();
  return { userId: registered.json<{ id: string }>().id, email, password, ...tokens };
}

/** Audit entries through the admin API. */
export async function auditOf(
  platform: Platform,
  adminToken: string,
  query: string,
): Promise<Array<Record<string, unknown> & { type: string }>> {
  const response = await call(platform, 'GET', `/users/audit?${query}`, { token: adminToken });
  if (response.statusCode !== 200) throw new Error(`audit answered ${response.statusCode}: ${response.body}`);
  return response.json<{ items: Array<Record<string, unknown> & { type: string }> }>().items;
}
