import { ConfigError } from '@polyshop/kernel';

/**
 * What `polyshop serve` needs that one all-in-one process does not: NATS JetStream (services in other
 * processes hear events only over it) and the credential of calls between services (the user service
 * answers token introspection only to it, so without it every guarded route of every other process
 * would answer 401). Throws one `ConfigError` naming each variable missing.
 */
export function assertServeRequirements(natsUrl: string | undefined, env: NodeJS.ProcessEnv): void {
  const problems: { variable: string; message: string }[] = [];
  if (!natsUrl) {
    problems.push({
      variable: 'NATS_URL',
      message:
        'required by `polyshop serve`: services in separate processes exchange events over NATS JetStream ' +
        '(e.g. NATS_URL=nats://127.0.0.1:4222 after `npx polyshop servers up nats`); `polyshop start` runs without it',
    });
  }
  if (!env.POLYSHOP_INTERNAL_TOKEN) {
    problems.push({
      variable: 'POLYSHOP_INTERNAL_TOKEN',
      message:
        'required by `polyshop serve`: the same secret (16 characters or more) in every process authenticates ' +
        'the calls between services, token introspection among them (e.g. POLYSHOP_INTERNAL_TOKEN=$(openssl rand -hex 24))',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
