import type { InProcessEventBus } from '@polyshop/bus';
import type { EventEnvelope } from '@polyshop/kernel';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import type { PostgresTarget } from '@polyshop/testing';
import { definition } from '../../src/index.ts';

/**
 * The real platform running the search service alone (the catalog's events are published by the
 * test); `env` chooses its store (`SEARCH_STORE`, `OPENSEARCH_URL` …).
 */
export function searchPlatform(
  target: PostgresTarget['name'],
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  return createTestPlatform({ target, definitions: [definition], env });
}

/** Publishes events on the platform's bus and waits until every consumer has handled them. */
export async function publish(platform: TestPlatform, ...events: EventEnvelope[]): Promise<void> {
  for (const event of events) await platform.bus.publish(event);
  await (platform.bus as InProcessEventBus).drain();
}

/** `GET /search/products` with a query string. */
export async function getSearch(platform: TestPlatform, query: string) {
  const response = await platform.app.inject({
    method: 'GET',
    url: `/search/products${query ? `?${query}` : ''}`,
  });
  return { status: response.statusCode, type: response.headers['content-type'], body: response.json() };
}
