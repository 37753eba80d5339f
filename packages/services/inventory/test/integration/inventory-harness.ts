import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ManualClock, type EventEnvelope } from '@polyshop/kernel';
import { createTestPlatform, userWithPermissions, type TestPlatform } from '@polyshop/platform/testing';
import type { InventoryModule } from '../../src/inventory-module.ts';
import type { InventoryTarget } from './inventory-targets.ts';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Response = Awaited<ReturnType<TestPlatform['app']['inject']>>;

/** The inventory service in the real platform (with the user service for tokens), for HTTP tests. */
export interface InventoryHarness {
  platform: TestPlatform;
  clock: ManualClock;
  /** Holds inventory:write and inventory:read. */
  writer: { userId: string; token: string };
  /** Holds no permission. */
  nobody: { token: string };
  /** Every inventory event published on the bus, in order. */
  events: EventEnvelope[];
  module: InventoryModule;
  call(method: Method, url: string, options?: { body?: unknown; token?: string | null }): Promise<Response>;
  dispose(): Promise<void>;
}

export const LOW_STOCK_THRESHOLD = 3;

/** Starts the platform on `target` with a manual clock and a fast reaper (it acts only when the clock moves). */
export async function startInventory(target: InventoryTarget): Promise<InventoryHarness> {
  const clock = new ManualClock(new Date());
  const storeEnv = target.env();
  const platform = await createTestPlatform({
    target: target.postgres,
    services: ['users', 'inventory'],
    clock,
    env: {
      INVENTORY_REAPER_INTERVAL_MS: '20',
      INVENTORY_LOW_STOCK_THRESHOLD: String(LOW_STOCK_THRESHOLD),
      ...storeEnv,
    },
  });
  const events: EventEnvelope[] = [];
  await platform.bus.subscribe({
    consumer: 'test.inventory',
    types: ['inventory.changed', 'inventory.low'],
    handler: async (e) => void events.push(e),
  });
  const writer = await userWithPermissions(platform, ['inventory:write', 'inventory:read']);
  const nobody = await userWithPermissions(platform, []);
  return {
    platform,
    clock,
    writer,
    nobody,
    events,
    module: platform.module('inventory')!,
    // `token: null` sends no token; default is the writer's.
    call: (method, url, options = {}) => {
      const token = options.token === undefined ? writer.token : options.token;
      return platform.app.inject({
        method,
        url,
        ...(options.body === undefined ? {} : { payload: options.body as object }),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    },
    dispose: async () => {
      await platform.dispose();
      await target.cleanUp(storeEnv);
    },
  };
}

export function expectProblem(
  response: Response,
  status: number,
  code: string,
  field?: string,
): Record<string, unknown> {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const problem = response.json();
  assert.equal(problem.code, code, response.body);
  if (field !== undefined) assert.equal(problem.field, field, response.body);
  return problem;
}

export function uniqueSku(label = 'SKU'): string {
  return `${label}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export function uniqueReservationId(): string {
  return `order-${randomBytes(8).toString('hex')}`;
}
