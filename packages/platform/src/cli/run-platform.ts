import closeWithGrace from 'close-with-grace';
import { buildPlatform, type Platform, type PlatformOptions } from '../platform.ts';
import { serviceDefinitions } from '../service-catalog.ts';
import { serverUrlsFile, withServerUrls } from '../server-urls.ts';

/**
 * Builds the platform, listens, and shuts down gracefully on SIGTERM/SIGINT: stop accepting,
 * drain in-flight requests, stop workers, close stores, exit 0 (or 1 if shutdown times out).
 * Store URLs left unset are taken from what `polyshop servers up` wrote (see `withServerUrls`).
 */
export async function runPlatform(options: PlatformOptions): Promise<Platform> {
  const started = Date.now();
  const definitions = options.definitions ?? serviceDefinitions;
  const local = options.services
    ? definitions.filter((d) => options.services!.includes(d.name))
    : definitions;
  const { env, taken } = withServerUrls(options.env ?? process.env, local, {
    natsRequired: options.natsRequired ?? false,
  });
  const platform = await buildPlatform({ ...options, env });
  const { logger, config } = platform;
  for (const { variable, url } of taken) {
    logger.info(
      { variable, url, file: serverUrlsFile(env) },
      `${variable} not set: using ${url} from servers up`,
    );
  }
  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await platform.close();
    logger.info('stopped');
  });
  const address = await platform.listen();
  logger.info(
    { address, services: [...platform.modules.keys()], startupMs: Date.now() - started },
    `polyshop ready on ${address} (docs at ${address}/docs)`,
  );
  return platform;
}
