import type { BenchTarget, ScenarioResult } from './scenario.ts';

const rate = (perSecond: number) => `${perSecond.toFixed(perSecond < 100 ? 1 : 0)}/s`;

/** One scenario's figures on one target, as the lines `npm run bench` prints. */
export function formatResult(result: ScenarioResult, target: BenchTarget): string {
  const lines = [
    `\n${result.scenario} on ${target.name}${target.durability ? ` (${target.durability})` : ''}`,
  ];
  for (const c of result.comparisons) {
    lines.push(
      `  ${c.label.padEnd(14)} polyshop ${rate(c.polyshop.perSecond).padStart(9)} p99 ${c.polyshop.p99Ms.toFixed(1)} ms` +
        ` | ${c.anchorName}: ${rate(c.anchor.perSecond)} | ratio ${c.ratio.toFixed(3)}` +
        ` (median of ${c.rounds} interleaved rounds)`,
    );
  }
  const checks = Object.entries(result.checks).map(([name, value]) => `${name}=${value}`);
  lines.push(`  checks: ${checks.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
