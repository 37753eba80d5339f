import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { isCI } from '@polyshop/testing';
import type { Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`), or `CHROMIUM_PATH`: an absolute path; undefined when not installed. */
export function chromiumBinary(): string | undefined {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'])
    if (candidate && spawnSync(candidate, ['--version'], { encoding: 'utf8' }).status === 0) return candidate;
  return undefined;
}

/** Why a test that needs Chromium cannot run here (false when it can); in CI a missing one is an error. */
export function chromiumSkip(): string | false {
  if (chromiumBinary()) return false;
  if (isCI) throw new Error('chromium is not installed: CI installs it (.ci/run: apt-get install chromium).');
  return 'chromium is not installed (apt-get install chromium)';
}

/** An axe-core finding as `axe.run` reports it. */
export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on `page` as it is now (WCAG 2.1 A and AA rules and best practices). The script
 * is evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern,
 * so the console is checked with its own policy in force.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(await axeSource);
  return page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  });
}

/** The serious and critical ones, one line each (the test fails on any). */
export function seriousViolations(violations: AxeViolation[]): string[] {
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
