import type { Clock, Logger } from '@polyshop/kernel';
import type { RegionPricing } from '../domain/region-pricing.ts';
import type { CustomerDirectory } from '../ports/customer-directory.ts';
import type { OrderRepository } from '../ports/order-repository.ts';
import type { ProductCatalog } from '../ports/product-catalog.ts';
import type { SagaRunner } from './saga-runner.ts';

/** What the order use cases run on. */
export interface OrdersDeps {
  repository: OrderRepository;
  runner: SagaRunner;
  catalog: ProductCatalog;
  /** Fills in the customer's name (and email, if the token had none); optional. */
  customers?: CustomerDirectory;
  regions: ReadonlyMap<string, RegionPricing>;
  clock: Clock;
  logger: Logger;
  /** How long a request waits for its saga before answering 202 (the saga carries on). */
  requestTimeoutMs: number;
  /** The key of the checkout fingerprints (idempotency: the same key with another request is refused). */
  fingerprintKey: () => Promise<Uint8Array>;
  /** Keeps a saga that outlives its request running (and awaited at shutdown). */
  track(saga: Promise<unknown>): void;
}

/** Who is asking: the caller's user id and what they may see or do beyond their own orders. */
export interface Viewer {
  userId: string;
  /** `orders:read`: may see every order. */
  canReadAll: boolean;
  /** `orders:write`: may cancel any order. */
  canWriteAll: boolean;
}

/**
 * Waits for `work` at most `ms`: its value, or `undefined` when the time ran out first (the work
 * carries on). A rejection of `work` within the time is rethrown.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `read` returns a value `done` accepts or `ms` passed; returns the last value read. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  ms: number,
  pollMs = 50,
): Promise<T> {
  const until = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    value = await read();
  }
  return value;
}
