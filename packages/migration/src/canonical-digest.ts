import { createHash } from 'node:crypto';

/**
 * The one JSON text of a value, whatever order its object keys were built in: keys sorted by code
 * point at every depth, `Date`s as ISO 8601 strings (to the millisecond), an object with `toJSON`
 * (e.g. `Money`) as what that returns, `undefined` members left out as `JSON.stringify` does,
 * bigints as decimal strings. Arrays keep their order: a side's `canonical` sorts set-like arrays.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(plain(value)) ?? 'null';
}

/** The sha256 (hex) of `stableJson(value)`: equal for two records exactly when their canonical forms are. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : plain(item)));
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return plain(withJson.toJSON());
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareCodePoints)) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined && typeof member !== 'function') sorted[key] = plain(member);
  }
  return sorted;
}

/**
 * Orders two strings by Unicode code point, the order `MigrationSide.scan` returns keys in
 * (PostgreSQL's `COLLATE "C"` on UTF-8); JavaScript's `<` compares UTF-16 units, which differs
 * above U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}
