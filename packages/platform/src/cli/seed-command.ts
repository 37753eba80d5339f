import { InvalidArgumentError, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { AppError } from '@polyshop/kernel';
import { setStock } from '@polyshop/inventory';
import { loadCatalogue, type ProductsModule } from '@polyshop/products';
import { buildPlatform, type Platform } from '../platform.ts';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new InvalidArgumentError('expected a whole number');
  return number;
}

function productsModule(platform: Platform): ProductsModule {
  const module = platform.module('products');
  if (!module) throw new Error('The products service is not part of this platform.');
  return module;
}

export interface SeedOptions {
  products: number;
  seed?: number;
  batchSize?: number;
  events?: boolean;
  /** Show a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
}

/**
 * Loads the deterministic demo catalogue into a platform's catalog: the five demo categories, then
 * `products` generated products in batches. Refuses a catalogue that already has products (a second
 * run of the same seed would collide on slugs and SKUs).
 */
export async function seedCatalogue(
  platform: Platform,
  options: SeedOptions,
): Promise<{ products: number; ms: number }> {
  const { deps } = productsModule(platform);
  const existing = await deps.repository.count();
  if (existing > 0) {
    throw AppError.conflict(
      'CATALOG.NOT_EMPTY',
      `The catalogue already holds ${existing} products; seed an empty one (another --data-dir or database).`,
    );
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'seeding products [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const showBar = options.progress !== false;
  if (showBar) bar.start(options.products, 0);
  const started = Date.now();
  try {
    const loaded = await loadCatalogue(deps, {
      products: options.products,
      seed: options.seed ?? 42,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      events: options.events ?? true,
      onProgress: (done) => showBar && bar.update(done),
    });
    return { products: loaded.products, ms: Date.now() - started };
  } finally {
    if (showBar) bar.stop();
  }
}

/** Products `npm start -- --seed` loads when no number is given. */
export const DEMO_PRODUCTS = 200;

/** Units on hand of each demo SKU, so the demo catalogue can be ordered from at once. */
export const DEMO_STOCK = 25;

/** Puts `quantity` units of every variant of every product on the shelf (demo data). */
export async function stockCatalogue(platform: Platform, quantity: number): Promise<number> {
  const inventory = platform.module('inventory');
  if (!inventory) return 0;
  const products = platform.client('products');
  let stocked = 0;
  let cursor: string | null = null;
  do {
    const page = await products.listProducts({ cursor, limit: 100 });
    for (const product of page.items) {
      for (const variant of product.variants) {
        await setStock(inventory.deps, { sku: variant.sku, quantity, reason: 'demo stock', actor: 'seed' });
        stocked += 1;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return stocked;
}

/** `npm start -- --seed [n]`: loads a modest demo catalogue (200 products unless `n`) if the catalog is empty. */
export async function seedDemoIfEmpty(platform: Platform, seed: true | string): Promise<void> {
  const products = seed === true ? DEMO_PRODUCTS : positiveInteger(seed);
  const { deps } = productsModule(platform);
  if ((await deps.repository.count()) > 0) {
    platform.logger.info('catalogue not empty: --seed skipped');
    return;
  }
  const result = await seedCatalogue(platform, { products, progress: false });
  const skus = await stockCatalogue(platform, DEMO_STOCK);
  platform.logger.info(
    { products: result.products, skus, unitsEach: DEMO_STOCK, ms: result.ms },
    'demo catalogue loaded and stocked',
  );
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description(
      'load the deterministic demo catalogue (smartphones, laptops, clothing, books, food) into an empty catalog',
    )
    .requiredOption('--products <n>', 'how many products to generate', positiveInteger)
    .option('--seed <n>', 'generator seed: same seed, same catalogue', positiveInteger, 42)
    .option('--batch-size <n>', 'products per insert', positiveInteger, 1000)
    .option('--no-events', 'skip product.created events (then rebuild search with `polyshop search reindex`)')
    .option('--data-dir <dir>', 'PGlite data folder (default: POLYSHOP_DATA_DIR or ./.polyshop)')
    .action(
      async (options: {
        products: number;
        seed: number;
        batchSize: number;
        events: boolean;
        dataDir?: string;
      }) => {
        const platform = await buildPlatform({
          services: ['products'],
          ...(options.dataDir ? { overrides: { POLYSHOP_DATA_DIR: options.dataDir } } : {}),
        });
        try {
          const { products, ms } = await seedCatalogue(platform, {
            products: options.products,
            seed: options.seed,
            batchSize: options.batchSize,
            events: options.events,
            progress: process.stderr.isTTY,
          });
          const rate = ms > 0 ? Math.round((products / ms) * 1000) : products;
          process.stdout.write(
            `seeded ${products} products (seed ${options.seed}) in ${(ms / 1000).toFixed(1)} s, ${rate} products/s\n`,
          );
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          process.stderr.write(`polyshop seed: ${error.message}\n`);
          process.exitCode = 1;
        } finally {
          await platform.close();
        }
      },
    );
}
