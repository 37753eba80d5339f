import type { Comparison } from '../measure.ts';
import type { ResultTable, ScenarioResult, TargetName } from '../scenario.ts';
import type { ChartSpec } from './vega-chart.ts';

/** What a section concludes about the seed's claim. */
export type VerdictWord = 'confirmed' | 'refuted' | 'qualified' | 'not decided';

export interface Verdict {
  word: VerdictWord;
  /** The figure that decides it, e.g. `240 deadlocks at c=256 in random lock order, 0 sorted`. */
  decidedBy: string;
  /** One paragraph: why that figure decides it, and what it does not say. */
  reading: string;
}

/** A chart of a section: its file name (without `.svg`), the Vega-Lite spec, and the text read in its place. */
export interface Chart {
  name: string;
  spec: ChartSpec;
  alt: string;
}

/** What a section of the report is made of, built from one run's results. */
export interface Section {
  /** Tables and the text between them (Markdown). */
  body: string;
  charts: Chart[];
  verdict?: Verdict;
}

/** One claim of the seed, and how the report measures it. */
export interface Claim {
  /** Anchor and chart file prefix, e.g. `inventory-deadlocks`. */
  id: string;
  heading: string;
  /** The seed's own words (Markdown, quoted as they are). */
  quote: string;
  /** The scenarios whose results the section reads. */
  scenarios: readonly string[];
  /** What runs, in a paragraph. */
  method: string;
  build(results: RunResults): Section;
}

/** A row of a result table as a map from column title (or its start) to cell. */
export type Row = Map<string, string | number>;

const STORE_NAMES: Record<TargetName, string> = {
  pglite: 'PGlite',
  postgres: 'PostgreSQL',
  mongodb: 'MongoDB',
  opensearch: 'OpenSearch',
  dynamodb: 'DynamoDB',
};

/** One run's results, looked up by scenario and target, and which of its stores were stand-ins. */
export class RunResults {
  constructor(
    readonly all: readonly ScenarioResult[],
    readonly standIns: ReadonlySet<TargetName> = new Set(),
  ) {}

  /** The store's name as the report prints it, marked when its server in this run was a stand-in. */
  storeName(target: TargetName): string {
    return `${STORE_NAMES[target]}${this.standIns.has(target) ? ' (stand-in)' : ''}`;
  }

  get(scenario: string, target: TargetName): ScenarioResult | undefined {
    return this.all.find((result) => result.scenario === scenario && result.target === target);
  }

  /** The comparisons of `scenario` on `target` whose anchor name contains `anchor` (all without it). */
  comparisons(scenario: string, target: TargetName, anchor?: string): Comparison[] {
    const result = this.get(scenario, target);
    return (result?.comparisons ?? []).filter((c) => !anchor || c.anchorName.includes(anchor));
  }

  /** The table of `scenario` on `target` whose title starts with `title`. */
  table(scenario: string, target: TargetName, title: string): ResultTable | undefined {
    return this.get(scenario, target)?.tables?.find((table) => table.title.startsWith(title));
  }

  /** The rows of that table, each cell under its column's title. */
  rows(scenario: string, target: TargetName, title: string): Row[] {
    const table = this.table(scenario, target, title);
    if (!table) return [];
    return table.rows.map((row) => new Map(table.columns.map((column, i) => [column, row[i] ?? ''])));
  }
}

/** The cell of `row` under the first column whose title starts with `column`. */
export function cellOf(row: Row, column: string): string | number | undefined {
  for (const [title, value] of row) if (title.startsWith(column)) return value;
  return undefined;
}

/** That cell as a number (its first number when it is text such as `9.2 / 15`), NaN when none. */
export function numberOf(row: Row, column: string): number {
  const value = cellOf(row, column);
  if (typeof value === 'number') return value;
  const match = /-?[\d,]*\.?\d+/.exec(value ?? '');
  return match ? Number(match[0].replaceAll(',', '')) : Number.NaN;
}

/** The concurrency a comparison's label names (`postgres c=16 …` → 16), NaN when it names none. */
export function concurrencyOf(comparison: Pick<Comparison, 'label'>): number {
  const match = /c=(\d+)/.exec(comparison.label);
  return match ? Number(match[1]) : Number.NaN;
}

/** The sentence a section prints when its scenario did not run on a store. */
export function notMeasured(what: string): string {
  return `_${what}: not measured in this run._`;
}
