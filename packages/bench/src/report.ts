import { goalMet, type Comparison } from './measure.ts';
import type { BenchTarget, ScenarioResult } from './scenario.ts';

const rate = (perSecond: number) => `${perSecond.toFixed(perSecond < 100 ? 1 : 0)}/s`;

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** `, goal ≥ 0.5: met` (nothing without a goal). */
function goalText(comparison: Comparison): string {
  if (!comparison.goal) return '';
  const sign = comparison.goal.is === 'at least' ? '≥' : '≤';
  return `, goal ${sign} ${comparison.goal.ratio}: ${goalMet(comparison) ? 'met' : 'NOT met'}`;
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
  const checks = Object.entries(result.checks).map(([name, value]) => `${name}=${value}`);
  lines.push(`  checks: ${checks.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
