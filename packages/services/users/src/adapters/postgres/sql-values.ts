import { isUuid } from '@polyshop/kernel';

/** Timestamps go to SQL as ISO strings (`$n::timestamptz`), the same on PGlite and node-postgres. */
export function sqlTime(date: Date): string {
  return date.toISOString();
}

/** `null` → `undefined` for optional fields of domain objects. */
export function optional<T>(value: T | null): T | undefined {
  return value ?? undefined;
}

/**
 * Ids that cannot be uuids match no row: checked before querying so a malformed id is "not found",
 * never a driver error (`22P02`).
 */
export function isRowId(id: string): boolean {
  return isUuid(id);
}
