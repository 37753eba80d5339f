import type { AnyServiceDefinition } from '@polyshop/http';

/**
 * Where another service is reached in multi-process mode: `POLYSHOP_<NAME>_URL`, else its definition's
 * default port on loopback.
 */
export function serviceUrl(
  definition: Pick<AnyServiceDefinition, 'name' | 'defaultPort'>,
  env: NodeJS.ProcessEnv,
): string {
  return env[`POLYSHOP_${definition.name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${definition.defaultPort}`;
}
