import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { skipReason, testServerUrl } from '@polyshop/testing';

const VARIABLE = 'POLYSHOP_TEST_MONGODB_URL';

/**
 * Fresh databases on the MongoDB test server for platform tests (`MONGODB_URL`), dropped by
 * `dispose`. `skip` says why when the server is not available here.
 */
export function mongoDatabases() {
  const server = testServerUrl(VARIABLE);
  const created: string[] = [];
  return {
    skip: skipReason(VARIABLE, server),
    /** The URL of a new, empty database. */
    url(): string {
      const name = `polyshop_t_${randomBytes(5).toString('hex')}`;
      created.push(name);
      const url = new URL(server!);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dispose(): Promise<void> {
      if (created.length === 0) return;
      const client = await MongoClient.connect(server!);
      try {
        for (const name of created.splice(0)) await client.db(name).dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
