import { readFileSync } from 'node:fs';
import type { RunRecord } from './write-report.ts';

const keyOf = (entry: { scenario: string; target: string }) => `${entry.scenario} on ${entry.target}`;

/**
 * Reads a run saved by `--report` (its `results.json`); throws an Error that says what is wrong with
 * the file (unreadable, not JSON, or not a saved run).
 */
export function readSavedRun(file: string): RunRecord {
  let saved: RunRecord;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  } catch (error) {
    throw new Error(`cannot read a saved run (${(error as Error).message})`, { cause: error });
  }
  if (!Array.isArray(saved?.results) || !saved.environment)
    throw new Error('not a run saved by --report (no results and environment)');
  return saved;
}

/**
 * The run `fresh` completed with every result of `saved` it did not measure again (same scenario and
 * target): what `--merge` writes when only some scenarios are re-run. The fresh run's results, failures,
 * stores and machine win; each result carried over keeps the time it ended (`finishedAt`, else its
 * run's end), and `carried` names them, so the report says which figures are older and from which run.
 */
export function mergeRuns(saved: RunRecord, fresh: RunRecord): RunRecord {
  const measured = new Set([...fresh.results, ...(fresh.failed ?? [])].map(keyOf));
  const kept = saved.results
    .filter((result) => !measured.has(keyOf(result)))
    .map((result) => ({ ...result, finishedAt: result.finishedAt ?? saved.finishedAt }));
  const failed = [...(fresh.failed ?? []), ...(saved.failed ?? []).filter((f) => !measured.has(keyOf(f)))];
  const freshStores = new Set(fresh.environment.stores.map((store) => store.target));
  const carried = [
    ...(saved.carried ?? []).filter((entry) => !measured.has(keyOf(entry))),
    ...kept
      .filter((result) => !(saved.carried ?? []).some((entry) => keyOf(entry) === keyOf(result)))
      .map((result) => ({
        scenario: result.scenario,
        target: result.target,
        command: saved.command,
        finishedAt: result.finishedAt,
      })),
  ];
  const { failed: _freshFailed, ...rest } = fresh;
  return {
    ...rest,
    environment: {
      machine: fresh.environment.machine,
      stores: [
        ...fresh.environment.stores,
        ...saved.environment.stores.filter((store) => !freshStores.has(store.target)),
      ],
    },
    results: [...fresh.results, ...kept],
    ...(failed.length ? { failed } : {}),
    ...(carried.length ? { carried } : {}),
  };
}
