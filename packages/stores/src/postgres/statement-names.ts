/**
 * Names for parameterised statements, so each connection parses and plans a statement once and then
 * only binds and executes it (on this machine planning was a third of a small query's time). Only the
 * first `capacity` distinct texts get a name (they are the fixed statements of the adapters); any
 * others, and statements without parameters (scripts, DDL), stay unnamed.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The name to run `text` by, or undefined to run it unnamed. */
  name(text: string, params: readonly unknown[]): string | undefined {
    if (params.length === 0) return undefined;
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < this.#capacity) {
      name = `polyshop_${this.#names.size + 1}`;
      this.#names.set(text, name);
    }
    return name || undefined;
  }

  /** Never names `text` again (its prepared form went stale). */
  forget(text: string): void {
    this.#names.set(text, '');
  }
}

/** A prepared statement whose table changed shape since it was prepared (a migration). */
export function isStalePlan(error: unknown): boolean {
  return (
    (error as { code?: string }).code === '0A000' && /cached plan/.test(String((error as Error).message))
  );
}
