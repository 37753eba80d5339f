import type { Comparison } from './measure.ts';

/** `small`: seconds, for CI (no timing assertions, only that each scenario ran and its checks held). */
export type Scale = 'small' | 'full';

/**
 * Where a scenario runs. `pglite`: the default, in this process. `postgres`: a fresh database on a real
 * PostgreSQL. `mongodb`, `opensearch`, `dynamodb`: the scenario's own service on that real server (the
 * other services on PGlite).
 */
export type TargetName = 'pglite' | 'postgres' | 'mongodb' | 'opensearch' | 'dynamodb';

export const TARGET_NAMES: readonly TargetName[] = [
  'pglite',
  'postgres',
  'mongodb',
  'opensearch',
  'dynamodb',
];

export interface BenchTarget {
  name: TargetName;
  /** The real PostgreSQL database (target `postgres` only). */
  databaseUrl?: string;
  /** pgbench, for the PostgreSQL anchors. */
  pgbench?: string;
  /** How durable the server's commits are (`fsync`, `synchronous_commit`), printed with the figures. */
  durability?: string;
  /** The real server's URL for `mongodb` (a MongoDB URL), `opensearch` (a node URL), `dynamodb` (an endpoint). */
  serverUrl?: string;
}

/** Figures that are not a polyshop-against-anchor ratio (a correctness table, counters per level). */
export interface ResultTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

/** What a scenario reports on one target: its comparisons and the correctness checks it made. */
export interface ScenarioResult {
  scenario: string;
  target: TargetName;
  comparisons: Comparison[];
  /** Correctness figures (`oversold` must be 0). */
  checks: Record<string, number>;
  /** More figures, printed as tables after the comparisons. */
  tables?: ResultTable[];
  /** The machine's 1-minute load average when the scenario ended (set by the runner: the machine is shared). */
  loadAverage?: number;
  /** When the scenario ended (ISO 8601, set by the runner). */
  finishedAt?: string;
}

/** One benchmark: where it can run and how. */
export interface Scenario {
  name: string;
  /** One line for `--help`. */
  summary: string;
  targets: readonly TargetName[];
  run(target: BenchTarget, scale: Scale): Promise<ScenarioResult>;
}
