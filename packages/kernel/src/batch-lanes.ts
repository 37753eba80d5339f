/** One caller's request waiting in a lane, and how to answer it. */
export interface LaneEntry<Request, Outcome> {
  request: Request;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
  /** `performance.now()` when it was submitted (measured only with `BatchLanesOptions.started`). */
  submittedAt: number;
}

export interface BatchLanesOptions<Request, Outcome> {
  /** Requests with the same key share a lane (reservations: the same SKUs; one lane for all when constant). */
  keyOf: (request: Request) => string;
  /** Requests that must not share a batch (the same reservation id): a later one waits for the next batch. */
  idOf: (request: Request) => string;
  /** Runs one batch and returns one outcome per request, in the same order. */
  runBatch: (requests: Request[]) => Promise<Outcome[]>;
  /** Most requests in one batch. */
  maxBatch: number;
  /** Called as a batch starts with how long each of its requests waited in the lane (metrics). */
  started?: (waitedMs: readonly number[]) => void;
}

/**
 * Group commit for contended writes and reads. Each key has a lane; a request whose lane is idle runs
 * after the event loop's current I/O phase (one `setImmediate`: microseconds, and the requests read in
 * the same phase join it), and requests arriving while the lane's batch is in flight wait and go
 * together in the next one, which starts after they arrived (so a batched read never answers with a
 * state older than the request). The `setImmediate` matters on PGlite, whose statements run
 * synchronously in this thread: without it a batch would start and finish inside one request's
 * microtasks, and nothing could join it. A hot SKU costs one transaction per batch instead of one per
 * request, while unrelated SKUs run in parallel lanes. Every request keeps its own outcome; a failed
 * batch fails each of its requests with the batch's error.
 */
export class BatchLanes<Request, Outcome> {
  readonly #options: BatchLanesOptions<Request, Outcome>;
  readonly #waiting = new Map<string, LaneEntry<Request, Outcome>[]>();

  constructor(options: BatchLanesOptions<Request, Outcome>) {
    this.#options = options;
  }

  submit(request: Request): Promise<Outcome> {
    const key = this.#options.keyOf(request);
    const submittedAt = this.#options.started ? performance.now() : 0;
    return new Promise<Outcome>((resolve, reject) => {
      const lane = this.#waiting.get(key);
      if (lane) {
        lane.push({ request, resolve, reject, submittedAt });
        return;
      }
      const queue = [{ request, resolve, reject, submittedAt }];
      this.#waiting.set(key, queue);
      setImmediate(() => void this.#drain(key, queue));
    });
  }

  /** Runs the lane's batches until nothing waits in it. */
  async #drain(key: string, queue: LaneEntry<Request, Outcome>[]): Promise<void> {
    for (let first = true; queue.length > 0; first = false) {
      // Between batches, let the event loop read what has arrived meanwhile (see the class comment).
      if (!first) await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#take(queue);
      if (this.#options.started) {
        const now = performance.now();
        this.#options.started(batch.map((entry) => now - entry.submittedAt));
      }
      try {
        const outcomes = await this.#options.runBatch(batch.map((entry) => entry.request));
        batch.forEach((entry, i) => entry.resolve(outcomes[i]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.#waiting.delete(key);
  }

  /** The next batch: up to `maxBatch` entries in arrival order, one per id (repeats stay queued). */
  #take(queue: LaneEntry<Request, Outcome>[]): LaneEntry<Request, Outcome>[] {
    const batch: LaneEntry<Request, Outcome>[] = [];
    const ids = new Set<string>();
    for (let i = 0; i < queue.length && batch.length < this.#options.maxBatch;) {
      const id = this.#options.idOf(queue[i]!.request);
      if (ids.has(id)) {
        i++;
        continue;
      }
      ids.add(id);
      batch.push(...queue.splice(i, 1));
    }
    return batch;
  }
}
