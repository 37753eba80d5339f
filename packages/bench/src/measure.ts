/** What one timed run of an operation at a fixed concurrency measured. */
export interface LoadResult {
  /** Operations that succeeded per second of wall time. */
  perSecond: number;
  ok: number;
  failed: number;
  /** The first error an operation threw, if any did (its message). */
  firstError?: string;
  p50Ms: number;
  p99Ms: number;
}

/** The value at quantile `q` (0–1) of `values` (nearest rank); 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Runs `operation` from `concurrency` loops for `durationMs` (each loop starts its next call when the
 * previous one ends), and reports the success rate and latency. `operation` resolves `true` when the
 * operation did what it should (a refused reservation is not a success) and may throw (counted failed).
 */
export async function runLoad(options: {
  concurrency: number;
  durationMs: number;
  operation: (worker: number, sequence: number) => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const loop = async (worker: number) => {
    for (let sequence = 0; performance.now() < deadline; sequence++) {
      const at = performance.now();
      const succeeded = await options.operation(worker, sequence).catch((error: unknown) => {
        firstError ??= error instanceof Error ? error.message : String(error);
        return false;
      });
      latencies.push(performance.now() - at);
      if (succeeded) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, worker) => loop(worker)));
  const seconds = (performance.now() - started) / 1000;
  return {
    perSecond: ok / seconds,
    ok,
    failed,
    ...(firstError ? { firstError } : {}),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
  };
}

/** What a comparison's ratio divides: the rates (throughput), or the p99 latencies. */
export type Metric = 'rate' | 'p99';

/** The value a comparison's ratio should reach: at least it (a rate) or at most it (a latency). */
export interface Goal {
  ratio: number;
  is: 'at least' | 'at most';
}

/** Whether `comparison` meets its goal (undefined without one). */
export function goalMet(comparison: Pick<Comparison, 'ratio' | 'goal'>): boolean | undefined {
  const { goal, ratio } = comparison;
  if (!goal) return undefined;
  return goal.is === 'at least' ? ratio >= goal.ratio : ratio <= goal.ratio;
}

/** One figure of a scenario: polyshop's and its anchor's, medians over interleaved rounds. */
export interface Comparison {
  scenario: string;
  /** What was measured, e.g. `PGlite c=16`. */
  label: string;
  polyshop: LoadResult;
  anchor: LoadResult;
  anchorName: string;
  /** `polyshop.perSecond / anchor.perSecond`, or with `metric` `p99`, `polyshop.p99Ms / anchor.p99Ms`. */
  ratio: number;
  rounds: number;
  /** What `ratio` divides (default `rate`). */
  metric?: Metric;
  /** The ratio the issue asks for, printed beside it. */
  goal?: Goal;
}

/**
 * Measures `polyshop` and `anchor` in interleaved rounds (A B A B …) so that a noisy neighbour slows
 * both alike, and keeps the round whose rate (with `metric` `p99`: whose p99) is the median of each
 * (its other figures with it). An anchor round in which every operation failed is an error, not a
 * rate of 0: the ratio would mean nothing. With `warmUp`, one round of each runs first, unmeasured:
 * a store's caches and the JIT fill during it, which the first measured round (always polyshop's)
 * would otherwise carry alone.
 */
export async function compareInterleaved(options: {
  scenario: string;
  label: string;
  anchorName: string;
  rounds: number;
  polyshop: () => Promise<LoadResult>;
  anchor: () => Promise<LoadResult>;
  metric?: Metric;
  goal?: Goal;
  warmUp?: boolean;
}): Promise<Comparison> {
  const mine: LoadResult[] = [];
  const theirs: LoadResult[] = [];
  if (options.warmUp) {
    await options.polyshop();
    await options.anchor();
  }
  for (let round = 0; round < options.rounds; round++) {
    mine.push(await options.polyshop());
    const anchor = await options.anchor();
    if (anchor.ok === 0 && anchor.failed > 0) {
      throw new Error(
        `${options.label}: the anchor (${options.anchorName}) failed all ${anchor.failed} operations: ${anchor.firstError}`,
      );
    }
    theirs.push(anchor);
  }
  const metric = options.metric ?? 'rate';
  const polyshop = medianRun(mine, metric);
  const anchor = medianRun(theirs, metric);
  const [numerator, denominator] =
    metric === 'rate' ? [polyshop.perSecond, anchor.perSecond] : [polyshop.p99Ms, anchor.p99Ms];
  return {
    scenario: options.scenario,
    label: options.label,
    anchorName: options.anchorName,
    polyshop,
    anchor,
    ratio: denominator > 0 ? numerator / denominator : 0,
    rounds: options.rounds,
    ...(options.metric ? { metric: options.metric } : {}),
    ...(options.goal ? { goal: options.goal } : {}),
  };
}

/** The run whose rate (or p99) is the median of `runs`. */
export function medianRun(runs: readonly LoadResult[], metric: Metric = 'rate'): LoadResult {
  const figure = (run: LoadResult) => (metric === 'rate' ? run.perSecond : run.p99Ms);
  const middle = median(runs.map(figure));
  return runs.find((run) => figure(run) === middle)!;
}
