import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import type { LocalSearchClient, ReindexSummary } from '@polyshop/search';
import { buildPlatform, type Platform } from '../platform.ts';

function pageSize(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 100)
    throw new InvalidArgumentError('expected a whole number from 1 to 100');
  return number;
}

export interface ReindexSearchOptions {
  /** Products per catalog page (1-100). */
  pageSize?: number;
  /** Show a progress bar on stderr. */
  progress?: boolean;
}

/** How many products the catalog holds, when it runs in this process (the bar's total); else the index's size. */
async function expectedProducts(platform: Platform, search: LocalSearchClient): Promise<number> {
  const products = platform.module('products');
  return products ? products.deps.repository.count() : search.countIndexed();
}

/**
 * Rebuilds the search index from the catalog (`polyshop search reindex`): every product page by
 * page through the catalog's client, stock knowledge kept; the index keeps serving meanwhile.
 */
export async function reindexSearch(
  platform: Platform,
  options: ReindexSearchOptions = {},
): Promise<ReindexSummary> {
  const search = platform.module('search')?.client;
  if (!search) throw new Error('search does not run in this process: a reindex runs where the index is.');
  const bar = new cliProgress.SingleBar(
    {
      format: 'reindexing search [{bar}] {percentage}% | {value}/{total} products | {eta_formatted} left',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const showBar = options.progress !== false;
  let total = showBar ? await expectedProducts(platform, search) : 0;
  if (showBar) bar.start(total, 0);
  try {
    return await search.reindex({
      ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      onProgress: ({ read }) => {
        if (!showBar) return;
        // The catalog may grow while it is read: the total follows.
        if (read > total) bar.setTotal((total = read));
        bar.update(read);
      },
    });
  } finally {
    if (showBar) bar.stop();
  }
}

export function registerSearchCommand(program: Command): void {
  const search = program.command('search').description("the search service's product index");
  search
    .command('reindex')
    .description(
      'rebuild the search index from the catalog (stock knowledge is kept; searches keep working meanwhile)',
    )
    .option('--page-size <n>', 'products per catalog page (1-100)', pageSize, 100)
    .option(
      '--data-dir <dir>',
      'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop); stop a server using it first',
    )
    .action(async (options: { pageSize: number; dataDir?: string }) => {
      const platform = await buildPlatform({
        services: ['products', 'search'],
        ...(options.dataDir ? { overrides: { POLYSHOP_DATA_DIR: options.dataDir } } : {}),
      });
      try {
        const started = Date.now();
        const summary = await reindexSearch(platform, {
          pageSize: options.pageSize,
          progress: process.stderr.isTTY,
        });
        process.stdout.write(
          `reindexed search in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.read} catalog products ` +
            `(${summary.indexed} searchable, ${summary.inactive} not active); ${summary.removed} removed as gone from the catalog\n`,
        );
      } finally {
        await platform.close();
      }
    });
}
