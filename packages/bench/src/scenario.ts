import type { Comparison } from './measure.ts';

/** `small`: seconds, for CI (no timing assertions, only that each scenario ran and its checks held). */
export type Scale = 'small' | 'full';

/** Where a scenario runs: PGlite in this process, or a fresh database on a real PostgreSQL. */
export interface BenchTarget {
  name: 'pglite' | 'postgres';
  /** The real server's database (absent for PGlite). */
  databaseUrl?: string;
  /** pgbench, for the PostgreSQL anchors. */
  pgbench?: string;
  /** How durable the server's commits are (`fsync`, `synchronous_commit`), printed with the figures. */
  durability?: string;
}

/** What a scenario reports on one target: its comparisons and the correctness checks it made. */
export interface ScenarioResult {
  scenario: string;
  target: BenchTarget['name'];
  comparisons: Comparison[];
  /** Correctness figures (`oversold` must be 0). */
  checks: Record<string, number>;
}
