import { AsyncLocalStorage } from 'node:async_hooks';

const origins = new AsyncLocalStorage<number>();

/**
 * Runs `work`, and everything it starts, as work that began at `origin` (`performance.now()` ms): the
 * HTTP host calls it when a request arrives, so that a store with one connection (PGlite) can serve
 * the oldest request's statements first rather than interleave every request's statements.
 */
export function runAsWorkFrom<T>(origin: number, work: () => T): T {
  return origins.run(origin, work);
}

/** When the work running now began: its request's arrival, or now for work outside any request. */
export function workOrigin(): number {
  return origins.getStore() ?? performance.now();
}
