import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@polyshop/testing';

const run = promisify(execFile);

/**
 * Runs the real benchmark (`npm run bench -- <scenario> --scale small --target pglite --report …`) into
 * a fresh folder and answers the path of the raw run it saved (`<folder>/benchmarks/results.json`), the
 * file `GET /admin/benchmarks` serves. `money` takes seconds; `hot-sku` has comparisons to chart.
 */
export async function saveBenchmarkRun(scenario: string): Promise<{ folder: string; file: string }> {
  const folder = await mkdtemp(join(tmpdir(), 'polyshop-bench-'));
  await run(
    'npm',
    [
      'run',
      '--silent',
      'bench',
      '--',
      scenario,
      '--scale',
      'small',
      '--target',
      'pglite',
      '--report',
      join(folder, 'benchmarks.md'),
    ],
    { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
  );
  return { folder, file: join(folder, 'benchmarks', 'results.json') };
}
