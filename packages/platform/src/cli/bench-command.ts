import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');

/** `polyshop bench …`: the same program as `npm run bench -- …` (packages/bench), with its own `--help`. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      "run the benchmarks (hot paths, migrations, the seed's claims): figures beside same-run anchors and ratios; --report writes the study; see `polyshop bench --help`",
    )
    .helpOption(false)
    .allowUnknownOption(true)
    .argument(
      '[args...]',
      'passed to the benchmark program: [scenario…] [--scale small|full] [--target …] [--json file] [--report [file]] [--from results.json] [--unsafe-fast]',
    )
    .action((args: string[]) => {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', join(root, 'packages', 'bench', 'src', 'main.ts'), ...args],
        { stdio: 'inherit', cwd: root },
      );
      process.exitCode = result.status ?? 1;
    });
}
