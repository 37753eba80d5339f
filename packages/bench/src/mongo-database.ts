import { randomBytes } from 'node:crypto';

/** The URL of a fresh database (`<prefix>_<random>`) on the MongoDB server at `serverUrl`, for one run. */
export function freshMongoDatabaseUrl(serverUrl: string, prefix: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${prefix}_${randomBytes(4).toString('hex')}`;
  return url.toString();
}
