import { silentLogger } from '@polyshop/kernel';
import { buildPlatform } from './platform.ts';

/**
 * The platform's OpenAPI document (`GET /docs/json`) as every service's routes declare it, read from
 * a platform of all seven services on in-memory PGlite that is closed again (nothing listens, no
 * worker starts). `npm run client:generate` writes @polyshop/client's types from it.
 */
export async function openApiDocument(): Promise<object> {
  const platform = await buildPlatform({
    env: { LOG_LEVEL: 'silent' },
    inMemory: true,
    logger: silentLogger(),
  });
  try {
    const response = await platform.app.inject('/docs/json');
    if (response.statusCode !== 200)
      throw new Error(`GET /docs/json answered ${response.statusCode}: ${response.body}`);
    return response.json<object>();
  } finally {
    await platform.close();
  }
}
