import type { DeclaredTable, SqlExecutor } from '@polyshop/stores';

export interface TablesMatchOptions {
  /** Tables of the schemas (`schema.name`) that deliberately have no declaration. */
  undeclared?: readonly string[];
}

interface ColumnInfo {
  table_schema: string;
  table_name: string;
  column_name: string;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

/**
 * Compares declared tables (`defineTable`) with the migrated database, through
 * `information_schema`, and throws one error listing every difference: a declared table or column
 * that does not exist, a column (NOT NULL or not) the declaration misses, and a table of the
 * declared schemas that nobody declared. Run it after the migrations, on every PostgreSQL target.
 */
export async function assertTablesMatchSchema(
  db: SqlExecutor,
  tables: readonly DeclaredTable[],
  options: TablesMatchOptions = {},
): Promise<void> {
  const schemas = [...new Set(tables.map((table) => table.schema))];
  const columns = await db.query<ColumnInfo>(
    `SELECT c.table_schema, c.table_name, c.column_name, c.is_nullable, c.column_default
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = ANY($1::text[]) AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
    [schemas],
  );
  const actual = new Map<string, ColumnInfo[]>();
  for (const column of columns) {
    const key = `${column.table_schema}.${column.table_name}`;
    actual.set(key, [...(actual.get(key) ?? []), column]);
  }
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const table of tables) {
    if (declared.has(table.qualified)) problems.push(`${table.qualified} is declared twice`);
    declared.add(table.qualified);
    const existing = actual.get(table.qualified);
    if (!existing) {
      problems.push(`${table.qualified} is declared but does not exist after the migrations`);
      continue;
    }
    const names = new Set(existing.map((column) => column.column_name));
    for (const column of table.columns) {
      if (!names.has(column)) problems.push(`${table.qualified}.${column} is declared but does not exist`);
    }
    const listed = new Set<string>(table.columns);
    for (const column of existing) {
      if (listed.has(column.column_name)) continue;
      const nullability = column.is_nullable === 'NO' ? 'NOT NULL' : 'nullable';
      const fallback = column.column_default === null ? '' : `, default ${column.column_default}`;
      problems.push(
        `${table.qualified}.${column.column_name} (${nullability}${fallback}) exists but is missing from the declaration`,
      );
    }
  }
  const allowed = new Set(options.undeclared ?? []);
  for (const table of actual.keys()) {
    if (!declared.has(table) && !allowed.has(table)) {
      problems.push(`${table} exists but has no declaration (declare its row type in the tables file)`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Declared tables do not match the database:\n  - ${problems.join('\n  - ')}`);
  }
}
