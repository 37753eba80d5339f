import closeWithGrace from 'close-with-grace';
import type { ServiceName } from '@polyshop/http';
import { buildPlatform, type Platform, type PlatformOptions } from '../platform.ts';

/**
 * Builds the platform, listens, and shuts down gracefully on SIGTERM/SIGINT: stop accepting,
 * drain in-flight requests, stop workers, close stores, exit 0 (or 1 if shutdown times out).
 */
export async function runPlatform(
  options: PlatformOptions & { services?: ServiceName[] },
): Promise<Platform> {
  const started = Date.now();
  const platform = await buildPlatform(options);
  const { logger, config } = platform;
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
