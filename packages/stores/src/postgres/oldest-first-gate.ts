import { workOrigin } from '../work-origin.ts';

interface Waiter {
  origin: number;
  arrival: number;
  start: () => void;
}

/**
 * Longest the gate hands the connection from one unit to the next without letting the event loop
 * turn (ms). PGlite runs a statement synchronously and resolves its promise at once, so a queue of
 * units handed over one after another is one chain of microtasks: nothing else runs until it is
 * empty — no socket is read, no timer fires. At 32 concurrent checkouts that chain lasted up to 1.6 s
 * (the event loop's delay, measured); with the load client in a thread of its own (as a user's load
 * tool is), requests answered early sent their next one into a socket nobody read, and p99 was
 * 1.3–4.7× the median (1.6–15.4 s). Yielding every 10 ms cut that to 1.2–1.6× but spread requests
 * out enough that fewer of them were coalesced (58 statements per order against 49–55); every 50 ms:
 * 53–55, p99 1.1–1.9× the median.
 */
const SLICE_MS = 50;

/**
 * Hands one connection to one unit of work (a statement or a transaction) at a time, the oldest work
 * first (`workOrigin()`: when its request arrived), arrival order among equals. With one connection
 * shared by many requests, serving statements in arrival order makes every request wait behind every
 * other's statements: at 32 concurrent checkouts the median was 1.9 s and p99 10.5 s; oldest first
 * finishes the requests that came first and leaves the others waiting at their start. After
 * `SLICE_MS` of handing over, the next unit starts after the event loop turned (`setImmediate`), so
 * that requests arriving meanwhile are read and queued by their age, and timers run.
 */
export class OldestFirstGate {
  #busy = false;
  #arrivals = 0;
  /** When the connection was last handed over with the event loop having turned (`performance.now()`). */
  #sliceStart = 0;
  readonly #waiting: Waiter[] = [];

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#busy) {
      // The unit before hands the connection over without freeing it (see #release).
      await new Promise<void>((start) =>
        this.#enqueue({ origin: workOrigin(), arrival: this.#arrivals++, start }),
      );
    } else {
      this.#busy = true;
      this.#sliceStart = performance.now();
    }
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  /** Units waiting for the connection now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  #enqueue(waiter: Waiter): void {
    // Sorted by (origin, arrival); a queue holds tens of units, so an insertion scan is enough.
    let at = this.#waiting.length;
    while (at > 0 && this.#waiting[at - 1]!.origin > waiter.origin) at--;
    this.#waiting.splice(at, 0, waiter);
  }

  #release(): void {
    if (this.#waiting.length === 0) {
      this.#busy = false;
      return;
    }
    if (performance.now() - this.#sliceStart < SLICE_MS) {
      this.#waiting.shift()!.start();
      return;
    }
    // Still busy while the event loop turns; the oldest waiter then (new arrivals included) goes next.
    setImmediate(() => {
      this.#sliceStart = performance.now();
      this.#waiting.shift()!.start();
    });
  }
}
