import { existsSync, readFileSync } from 'node:fs';

/**
 * `KEY=value` lines of a file such as `.servers/urls.env` (written by `polyshop servers up`); blank
 * lines, comments and anything else are skipped. A missing file is an empty record.
 */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnvLines(readFileSync(path, 'utf8'));
}

/** The `KEY=value` pairs of `text` (keys upper-case letters, digits and `_`), later lines winning. */
export function parseEnvLines(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2]!;
  }
  return values;
}
