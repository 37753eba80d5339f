import { runLoadWorker } from './http-load.ts';
import type { LoadResult } from './measure.ts';
import { checkoutRequest, type Customer, type StorefrontOrder } from './storefront.ts';

/**
 * The checkout loop of `runCheckoutLoad`, run in a worker thread: `concurrency` customers, each on a
 * kept-alive connection of its own (an undici `Pool`, as `runHttpLoad`), placing orders one after the other until the
 * deadline; posts back the latencies, the successes (an order answered `confirmed`), the orders
 * accepted (201/202) and those accepted but not yet confirmed (to be followed by the caller).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const { Pool } = require(workerData.undici);
const { base, tokens, carts, concurrency, durationMs } = workerData;
const pool = new Pool(base, { connections: concurrency, pipelining: 1 });
const latencies = [];
const unsettled = [];
let ok = 0;
let failed = 0;
let accepted = 0;
let firstError;
async function post(token, body) {
  const response = await pool.request({
    path: '/orders',
    method: 'POST',
    headers: {
      authorization: 'Bearer ' + token,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, body: text ? JSON.parse(text) : undefined };
}
const started = performance.now();
const deadline = started + durationMs;
async function loop(_, worker) {
  const customer = worker % tokens.length;
  for (let sequence = 0; performance.now() < deadline; sequence++) {
    const at = performance.now();
    try {
      const { status, body } = await post(tokens[customer], carts[(worker + sequence) % carts.length]);
      if (status === 201 || status === 202) {
        accepted++;
        if (body.status === 'confirmed') ok++;
        else {
          unsettled.push({ customer, order: { id: body.id, status: body.status } });
          failed++;
        }
      } else {
        firstError ??= 'POST /orders answered ' + status + ': ' + JSON.stringify(body);
        failed++;
      }
    } catch (error) {
      firstError ??= error instanceof Error ? error.message : String(error);
      failed++;
    }
    latencies.push(performance.now() - at);
  }
}
Promise.all(Array.from({ length: concurrency }, loop)).then(async () => {
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  parentPort.postMessage({ latencies, ok, failed, accepted, unsettled, firstError, seconds });
});
`;

/** What a checkout load measured, and the orders it left to follow. */
export interface CheckoutLoadResult {
  result: LoadResult;
  /** Orders answered 201 or 202. */
  accepted: number;
  /** Orders accepted but not answered `confirmed` (still `pending`, or `failed`), with their customer. */
  unsettled: { customer: Customer; order: StorefrontOrder }[];
}

/**
 * `concurrency` customers placing orders (`POST /orders`, as `Storefront.checkout` does) for
 * `durationMs`, each starting its next order when the last one is answered: loop `w`'s n-th order is
 * placed by `customers[w % customers.length]` for `carts[(w + n) % carts.length]`. The customers run
 * in a worker thread, not on the event loop of the platform they measure (a shopper's browser, or a
 * user's load tool, is not in the server's process). Figures as `runLoad`'s: orders answered
 * `confirmed` per second of wall time, p50 and p99 latency of every order.
 */
export async function runCheckoutLoad(options: {
  base: string;
  customers: readonly Customer[];
  carts: readonly (readonly string[])[];
  concurrency: number;
  durationMs: number;
}): Promise<CheckoutLoadResult> {
  const { base, customers, carts, concurrency, durationMs } = options;
  const { result, answer } = await runLoadWorker<{
    accepted: number;
    unsettled: { customer: number; order: StorefrontOrder }[];
  }>(WORKER, {
    base,
    tokens: customers.map((customer) => customer.token),
    carts: carts.map((cart) => JSON.stringify(checkoutRequest(cart))),
    concurrency,
    durationMs,
  });
  return {
    result,
    accepted: answer.accepted,
    unsettled: answer.unsettled.map(({ customer, order }) => ({ customer: customers[customer]!, order })),
  };
}
