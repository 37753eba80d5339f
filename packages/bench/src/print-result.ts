import { goalMet, type Comparison } from './measure.ts';
import type { BenchTarget, ResultTable, ScenarioResult } from './scenario.ts';

const rate = (perSecond: number) => `${perSecond.toFixed(perSecond < 100 ? 1 : 0)}/s`;

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** `, goal ≥ 0.5: met` (nothing without a goal). */
function goalText(comparison: Comparison): string {
  if (!comparison.goal) return '';
  const sign = comparison.goal.is === 'at least' ? '≥' : '≤';
  return `, goal ${sign} ${comparison.goal.ratio}: ${goalMet(comparison) ? 'met' : 'NOT met'}`;
}

/** `table` as aligned text lines: its title, the header, then one line per row. */
export function formatTable(table: ResultTable): string[] {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const line = (row: string[]) =>
    `    ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')}`.trimEnd();
  return [`  ${table.title}`, ...cells.map(line)];
}

/** One scenario's figures on one target, as the lines `npm run bench` prints. */
export function formatResult(result: ScenarioResult, target: BenchTarget): string {
  const lines = [
    `\n${result.scenario} on ${target.name}${target.durability ? ` (${target.durability})` : ''}`,
  ];
  for (const c of result.comparisons) {
    const figures =
      c.metric === 'p99'
        ? `  ${c.label.padEnd(14)} polyshop p50 ${ms(c.polyshop.p50Ms)} p99 ${ms(c.polyshop.p99Ms)} (${rate(c.polyshop.perSecond)})` +
          ` | ${c.anchorName}: p50 ${ms(c.anchor.p50Ms)} p99 ${ms(c.anchor.p99Ms)} (${rate(c.anchor.perSecond)})` +
          ` | p99 ratio ${c.ratio.toFixed(3)}`
        : `  ${c.label.padEnd(14)} polyshop ${rate(c.polyshop.perSecond).padStart(9)} p99 ${ms(c.polyshop.p99Ms)}` +
          ` | ${c.anchorName}: ${rate(c.anchor.perSecond)} | ratio ${c.ratio.toFixed(3)}`;
    lines.push(`${figures}${goalText(c)} (median of ${c.rounds} interleaved rounds)`);
  }
  for (const table of result.tables ?? []) lines.push(...formatTable(table));
  const checks = Object.entries(result.checks).map(([name, value]) => `${name}=${value}`);
  lines.push(`  checks: ${checks.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
