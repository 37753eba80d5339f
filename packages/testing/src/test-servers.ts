import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvFile } from '@polyshop/kernel';

/** Repository root (where `.servers/urls.env` is written by `scripts/servers up`). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

let fileUrls: Record<string, string> | undefined;

function urlsFromFile(): Record<string, string> {
  return (fileUrls ??= readEnvFile(join(repoRoot, '.servers', 'urls.env')));
}

export const isCI = process.env.CI === 'true' || process.env.CI === '1';

const warned = new Set<string>();

/**
 * The URL of a real test server (`POLYSHOP_TEST_DATABASE_URL`, `POLYSHOP_TEST_MONGODB_URL` …), from
 * the environment or from `.servers/urls.env`. Missing locally → `undefined` and a loud message
 * (suites skip); missing under CI=true → an error, so CI fails instead of silently skipping.
 */
export function testServerUrl(variable: string): string | undefined {
  const url = process.env[variable] || urlsFromFile()[variable];
  if (url) return url;
  if (isCI) {
    throw new Error(
      `${variable} is not set and no server wrote it to .servers/urls.env: a missing server fails CI (run scripts/servers up).`,
    );
  }
  if (!warned.has(variable)) {
    warned.add(variable);
    process.stderr.write(
      `\n!!! ${variable} is not set: suites on that server are SKIPPED. Run \`scripts/servers up\` to run them.\n\n`,
    );
  }
  return undefined;
}

/** For `describe(name, { skip: skipUnless(url) })`: a skip reason when the server is missing. */
export function skipReason(variable: string, url: string | undefined): string | false {
  return url ? false : `${variable} not set (run scripts/servers up)`;
}
