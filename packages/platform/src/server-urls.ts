import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readEnvFile } from '@polyshop/kernel';
import { selectStore, type Profile, type StoreKind } from '@polyshop/stores';
import type { AnyServiceDefinition } from '@polyshop/http';

/** Where `polyshop servers up` (scripts/servers) writes the URLs of the servers it started. */
export function serverUrlsFile(env: NodeJS.ProcessEnv): string {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  return join(env.SERVERS_DIR || join(root, '.servers'), 'urls.env');
}

/** A platform variable, the name `servers up` writes its URL under, and when the platform wants it. */
const SERVER_VARIABLES: readonly {
  variable: string;
  written: string;
  wanted: (stores: ReadonlySet<StoreKind>, profile: Profile, natsRequired: boolean) => boolean;
}[] = [
  { variable: 'MONGODB_URL', written: 'POLYSHOP_TEST_MONGODB_URL', wanted: (s) => s.has('mongodb') },
  {
    variable: 'DYNAMODB_ENDPOINT',
    written: 'POLYSHOP_TEST_DYNAMODB_ENDPOINT',
    wanted: (s) => s.has('dynamodb'),
  },
  { variable: 'OPENSEARCH_URL', written: 'POLYSHOP_TEST_OPENSEARCH_URL', wanted: (s) => s.has('opensearch') },
  // Phase 1 keeps its zero-setup default (embedded PGlite, in-process events); the polyglot profile runs
  // on real servers, and `polyshop serve` needs NATS.
  { variable: 'DATABASE_URL', written: 'POLYSHOP_TEST_DATABASE_URL', wanted: (_, p) => p === 'polyglot' },
  {
    variable: 'NATS_URL',
    written: 'POLYSHOP_TEST_NATS_URL',
    wanted: (_, p, nats) => nats || p === 'polyglot',
  },
];

/** A URL the platform took from `servers up`'s file because its variable was unset. */
export interface TakenServerUrl {
  variable: string;
  url: string;
}

/**
 * `env` with the URLs `polyshop servers up` wrote filled in for the store variables that are unset and
 * that the services running here need (their stores, from the profile and `<SERVICE>_STORE`), so
 * `polyshop servers up && POLYSHOP_PROFILE=polyglot npm start` needs no variable set by hand. An explicit
 * variable always wins; Phase 1 never swaps PGlite for a server. `taken` lists what was filled in, to log.
 */
export function withServerUrls(
  env: NodeJS.ProcessEnv,
  definitions: readonly Pick<AnyServiceDefinition, 'name' | 'stores'>[],
  options: { natsRequired?: boolean } = {},
): { env: NodeJS.ProcessEnv; taken: TakenServerUrl[] } {
  const written = readEnvFile(serverUrlsFile(env));
  if (Object.keys(written).length === 0) return { env, taken: [] };
  const profile: Profile = env.POLYSHOP_PROFILE === 'polyglot' ? 'polyglot' : 'phase1';
  const stores = new Set<StoreKind>();
  for (const definition of definitions) {
    try {
      stores.add(selectStore(definition.stores, profile, env, definition.name));
    } catch {
      // An unsupported store is reported by the platform's own start-up, naming the variable.
    }
  }
  const filled: NodeJS.ProcessEnv = { ...env };
  const taken: TakenServerUrl[] = [];
  for (const { variable, written: name, wanted } of SERVER_VARIABLES) {
    const url = written[name];
    if (env[variable] || !url || !wanted(stores, profile, options.natsRequired ?? false)) continue;
    filled[variable] = url;
    taken.push({ variable, url });
  }
  return { env: filled, taken };
}
