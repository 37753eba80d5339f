import type { SqlDatabase } from '@polyshop/stores';

/** What PostgreSQL's planner chose for a statement: its index scans, and whether it reads a table whole. */
export interface PlanScans {
  /** Each index scan as `<node type>[ backward] <index>`, e.g. `Index Scan backward records_created`. */
  indexes: string[];
  /** Whether a node reads `relation` whole (a `Seq Scan` on it). */
  seqScan: boolean;
}

/** The scans of `sql`'s plan (`EXPLAIN (FORMAT JSON)`, not run): its index scans, and any whole read of `relation`. */
export async function explainScans(
  db: SqlDatabase,
  sql: { text: string; params: readonly unknown[] },
  relation: string,
): Promise<PlanScans> {
  const [plan] = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql.text}`, sql.params);
  const indexes = new Set<string>();
  let seqScan = false;
  const walk = (node: Record<string, unknown>) => {
    // the access path with its node: an index scan walking the window backwards stops at the LIMIT, a
    // bitmap scan reads the whole window first
    if (typeof node['Index Name'] === 'string') {
      const backward = node['Scan Direction'] === 'Backward' ? ' backward' : '';
      indexes.add(`${String(node['Node Type'])}${backward} ${node['Index Name']}`);
    }
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] === relation) seqScan = true;
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  const top = plan!['QUERY PLAN'];
  const parsed = (typeof top === 'string' ? JSON.parse(top) : top) as { Plan: Record<string, unknown> }[];
  walk(parsed[0]!.Plan);
  return { indexes: [...indexes], seqScan };
}
