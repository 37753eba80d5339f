import type { Static, TObject } from 'typebox';
import { Value } from 'typebox/value';

/** Thrown when the environment does not satisfy a configuration schema; names every variable at fault. */
export class ConfigError extends Error {
  readonly variables: string[];
  constructor(problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.variables = problems.map((p) => p.variable);
  }
}

/**
 * Reads configuration from environment variables against a TypeBox schema whose keys are the
 * variable names: strings are converted to the declared types, defaults applied, and any bad value
 * stops start-up with a message naming the variable. Unknown variables are ignored.
 */
export function loadConfig<S extends TObject>(schema: S, env: NodeJS.ProcessEnv = process.env): Static<S> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const raw = env[key];
    if (raw !== undefined && raw !== '') input[key] = raw;
  }
  const value = Value.Convert(schema, Value.Default(schema, input)) as Record<string, unknown>;
  const errors = [...Value.Errors(schema, value)];
  if (errors.length > 0) {
    const seen = new Set<string>();
    const problems: { variable: string; message: string }[] = [];
    for (const error of errors) {
      const variable = error.instancePath.replace(/^\//, '').split('/')[0] || missingProperty(error.params);
      if (!variable || seen.has(variable)) continue;
      seen.add(variable);
      const got = input[variable] === undefined ? 'not set' : `got ${JSON.stringify(input[variable])}`;
      problems.push({ variable, message: `${error.message} (${got})` });
    }
    throw new ConfigError(problems);
  }
  return value as Static<S>;
}

function missingProperty(params: unknown): string {
  const p = params as { requiredProperties?: string[]; missingProperty?: string } | undefined;
  return p?.requiredProperties?.[0] ?? p?.missingProperty ?? '';
}
