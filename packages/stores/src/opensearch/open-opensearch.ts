import { Client } from '@opensearch-project/opensearch';
import { storeTracingOn, traceOpenSearchRequests } from '../store-tracing.ts';

export interface OpenSearchConfig {
  url: string;
}

export interface OpenSearchConnection {
  client: Client;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function openOpenSearch(config: OpenSearchConfig): OpenSearchConnection {
  const client = new Client({ node: config.url, requestTimeout: 30_000, maxRetries: 2 });
  if (storeTracingOn()) traceOpenSearchRequests(client);
  return {
    client,
    async ping() {
      await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' });
    },
    close: () => client.close(),
  };
}
