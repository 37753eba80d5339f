/**
 * A table's row type and the runtime list of its columns, declared once: the compiler keeps the
 * list and the type in step, and a test compares the list with `information_schema.columns` after
 * the migrations ran (`assertTablesMatchSchema` in `@polyshop/testing`).
 */
export interface DeclaredTable {
  /** The PostgreSQL schema that owns the table (`inventory`). */
  readonly schema: string;
  /** The table's name inside its schema (`stock`). */
  readonly name: string;
  /** `schema.name`, for SQL text. */
  readonly qualified: string;
  /** Every column of the table, snake_case as SQL returns them, in declaration order. */
  readonly columns: readonly string[];
  /** The columns joined by `, `, for a select list or a `RETURNING` clause. */
  readonly columnList: string;
}

/** A declared table whose rows have type `Row`: its column list names exactly the keys of `Row`. */
export interface TableDefinition<Row extends object> extends DeclaredTable {
  readonly columns: readonly (keyof Row & string)[];
}

type ColumnsOf<Row> = readonly (keyof Row & string)[];

/** `unknown` when `Listed` names every key of `Row`, else a type naming the missing ones (a compile error). */
type EveryColumn<Row, Listed extends ColumnsOf<Row>> = [Exclude<keyof Row, Listed[number]>] extends [never]
  ? unknown
  : { readonly 'columns missing from the list': Exclude<keyof Row, Listed[number]> };

/**
 * Declares a table whose rows have type `Row`. Curried so that `Row` is given and the column tuple
 * inferred: `defineTable<StockRow>()('shop', 'stock', ['sku', 'quantity', …])` compiles only
 * when the list names every key of `StockRow` and nothing else.
 */
export function defineTable<Row extends object>() {
  return <const Listed extends ColumnsOf<Row>>(
    schema: string,
    name: string,
    columns: Listed & EveryColumn<Row, Listed>,
  ): TableDefinition<Row> => {
    if (new Set(columns).size !== columns.length) {
      throw new Error(`Table ${schema}.${name} lists a column twice: ${columns.join(', ')}`);
    }
    return { schema, name, qualified: `${schema}.${name}`, columns, columnList: columns.join(', ') };
  };
}
