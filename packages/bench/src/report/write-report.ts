import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { ScenarioResult, Scale } from '../scenario.ts';
import { RunResults, type Chart, type Claim, type Section } from './claim.ts';
import { catalogueJson } from './claims/catalogue.ts';
import { hotSkuThroughput } from './claims/hot-sku.ts';
import { inventoryDeadlocks } from './claims/inventory.ts';
import { moneyDoubles } from './claims/money.ts';
import { notificationQueries } from './claims/notifications.ts';
import { schemaChange } from './claims/schema-change.ts';
import { searchOpenSearch } from './claims/search.ts';
import { costBenefit } from './cost-benefit.ts';
import type { Environment } from './environment.ts';
import { blockQuote, markdownTable, millis, perSecond, ratio } from './markdown.ts';
import { floors, performanceTargets } from './performance-targets.ts';
import { renderSvg } from './vega-chart.ts';

/** The seed's claims, in the order the report answers them. */
export const CLAIMS: readonly Claim[] = [
  inventoryDeadlocks,
  hotSkuThroughput,
  catalogueJson,
  schemaChange,
  notificationQueries,
  searchOpenSearch,
  moneyDoubles,
];

/** What `polyshop bench --report` saves beside the report, and reads back with `--from`. */
export interface RunRecord {
  scale: Scale;
  /** The command line that produced it. */
  command: string;
  startedAt: string;
  finishedAt: string;
  environment: Environment;
  results: ScenarioResult[];
  /** The scenario runs that failed (no result), with their first error line. */
  failed?: { scenario: string; target: string; error: string }[];
  /** Results carried over from an earlier run by `--merge`: which, the command that measured them, when. */
  carried?: { scenario: string; target: string; command: string; finishedAt: string | undefined }[];
}

function environmentSection(run: RunRecord): string {
  const { machine, stores } = run.environment;
  const minutes = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000;
  const load = `${machine.loadAtStart.toFixed(1)} at the start${machine.loadAtEnd === undefined ? '' : `, ${machine.loadAtEnd.toFixed(1)} at the end`}`;
  return [
    '## Where it ran',
    '',
    markdownTable(
      ['', ''],
      [
        [
          'run',
          `\`${run.command}\`, ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${minutes.toFixed(0)} min, scale \`${run.scale}\``,
        ],
        [
          'machine',
          `${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.kernel}, shared (1-minute load ${load})`,
        ],
        ['Node.js', machine.node],
        ...(run.carried?.length
          ? [
              [
                'carried over',
                `${run.carried
                  .map(
                    (c) =>
                      `${c.scenario} on ${c.target} (${c.finishedAt?.slice(0, 16).replace('T', ' ') ?? 'an earlier run'} UTC)`,
                  )
                  .join(
                    '; ',
                  )}: these figures come from an earlier run (\`--merge\`), not re-measured by this one`,
              ],
            ]
          : []),
        ...(run.failed?.length
          ? [
              [
                'failed',
                run.failed.map((f) => `${f.scenario} on ${f.target} (${f.error})`).join('; ') +
                  ': no figures from these runs below',
              ],
            ]
          : []),
      ],
    ),
    '',
    markdownTable(
      ['store', 'server', 'settings', 'stand-in?'],
      stores.map((store) => [
        store.target,
        store.server,
        store.settings,
        store.standIn
          ? '**yes**: its figures describe the stand-in; no verdict about the product is drawn from them'
          : 'no',
      ]),
    ),
  ].join('\n');
}

/** A scenario's comparisons and tables as the report prints any result no claim reads (checkout, migration, …). */
function resultSection(result: ScenarioResult, results: RunResults): string {
  const parts = [`### ${result.scenario} on ${results.storeName(result.target)}`, ''];
  if (result.comparisons.length) {
    parts.push(
      markdownTable(
        ['run', 'polyshop', 'anchor', 'anchor figure', 'ratio', 'goal'],
        result.comparisons.map((c) => [
          c.label,
          `${perSecond(c.polyshop.perSecond)}, p50 ${millis(c.polyshop.p50Ms)}, p99 ${millis(c.polyshop.p99Ms)}`,
          c.anchorName,
          `${perSecond(c.anchor.perSecond)}, p99 ${millis(c.anchor.p99Ms)}`,
          `${ratio(c.ratio)}${c.metric === 'p99' ? ' (p99)' : ''}`,
          c.goal ? `${c.goal.is === 'at least' ? '≥' : '≤'} ${c.goal.ratio}` : '',
        ]),
      ),
      '',
    );
  }
  for (const table of result.tables ?? [])
    parts.push(`${table.title}:`, '', markdownTable(table.columns, table.rows), '');
  const checks = Object.entries(result.checks).map(([name, value]) => `${name}=${value}`);
  if (checks.length) parts.push(`Checks: ${checks.join(', ')}.`);
  if (result.loadAverage !== undefined)
    parts.push(`Load average when it ended: ${result.loadAverage.toFixed(1)}.`);
  return parts.join('\n');
}

/** Renders the charts into `folder` and returns the Markdown that shows them. */
async function chartMarkdown(charts: readonly Chart[], folder: string, reportDir: string): Promise<string> {
  const lines: string[] = [];
  for (const chart of charts) {
    const file = join(folder, `${chart.name}.svg`);
    writeFileSync(file, await renderSvg(chart.spec));
    lines.push(`![${chart.alt}](${relative(reportDir, file)})`);
  }
  return lines.join('\n\n');
}

/** The load averages of the runs a claim reads, as a sentence (empty for runs saved without them). */
function loadsOf(claim: Claim, results: RunResults): string {
  const loads = results.all
    .filter((result) => claim.scenarios.includes(result.scenario) && result.loadAverage !== undefined)
    .map(
      (result) =>
        `${result.scenario} on ${results.storeName(result.target)} ${result.loadAverage!.toFixed(1)}`,
    );
  return loads.length ? `_The machine's load average (1 min) as each run ended: ${loads.join(', ')}._` : '';
}

function sectionMarkdown(claim: Claim, section: Section, charts: string, loads: string): string {
  const verdict = section.verdict;
  return [
    `## ${claim.heading}`,
    '',
    'The seed:',
    '',
    blockQuote(claim.quote),
    '',
    `**How it is measured** (\`polyshop bench ${claim.scenarios.join(' ')}\`). ${claim.method}`,
    ...(loads ? ['', loads] : []),
    '',
    section.body,
    ...(charts ? ['', charts] : []),
    ...(verdict ? ['', `**Verdict: ${verdict.word}** — ${verdict.decidedBy}.`, '', verdict.reading] : []),
  ].join('\n');
}

/**
 * Writes the report of `run` to `file` (Markdown), its charts as SVG files in a folder beside it
 * (`benchmarks/` for `benchmarks.md`), and the run itself as `results.json` there, so that
 * `polyshop bench --report --from <that file>` can write the report again without running anything.
 */
export async function writeReport(run: RunRecord, file: string): Promise<void> {
  const reportDir = dirname(file);
  const folder = join(reportDir, basename(file, '.md'));
  mkdirSync(folder, { recursive: true });
  const standIns = run.environment.stores.filter((store) => store.standIn).map((store) => store.target);
  const results = new RunResults(run.results, new Set(standIns));
  const sections: string[] = [];
  const verdicts: (string | number)[][] = [];
  for (const claim of CLAIMS) {
    const section = claim.build(results);
    const charts = await chartMarkdown(section.charts, folder, reportDir);
    sections.push(sectionMarkdown(claim, section, charts, loadsOf(claim, results)));
    if (section.verdict)
      verdicts.push([
        `[${claim.heading}](#${anchorOf(claim.heading)})`,
        `**${section.verdict.word}**`,
        section.verdict.decidedBy,
      ]);
  }
  const cost = costBenefit(results);
  const costChart = cost.chart ? await chartMarkdown([cost.chart], folder, reportDir) : '';
  const read = new Set(CLAIMS.flatMap((claim) => claim.scenarios));
  const others = run.results.filter((result) => !read.has(result.scenario));
  writeFileSync(join(folder, 'results.json'), `${JSON.stringify(run, null, 2)}\n`);
  const document = [
    "# Benchmarks: the seed's claims, measured",
    '',
    '<!-- Written by `polyshop bench --report` (packages/bench/src/report/); edit the code, not this file. -->',
    '',
    'The design document polyshop grew from (the seed, *Polyglot Persistence Strategy*) decides where each service lives by ' +
      'claims about the stores. polyshop runs each service on every store it supports, so each claim is measured ' +
      'here on the same data, on the same machine, in one run: every polyshop figure beside an anchor measured ' +
      'in the same run (interleaved rounds A B A B …, medians) and their ratio. PostgreSQL figures come from a ' +
      'private cluster with durable commits. Where a store here is a stand-in (moto for DynamoDB, ' +
      'mongo-java-server or FerretDB for MongoDB) its figures are marked and no verdict about the real product ' +
      'is drawn from them. The raw results are in ' +
      `[\`${relative(reportDir, join(folder, 'results.json'))}\`](${relative(reportDir, join(folder, 'results.json'))}); ` +
      'the history of what changed and what each change bought is in [performance-history.md](performance-history.md).',
    ...(run.scale === 'small'
      ? [
          '',
          '> **A `--scale small` run** (what CI runs): small data, short rounds. It shows the pipeline works and ' +
            'the checks hold; its figures and verdicts are not the ones to quote — a `--scale full` run writes those.',
        ]
      : []),
    '',
    environmentSection(run),
    '',
    '## Verdicts',
    '',
    markdownTable(["the seed's claim", 'verdict', 'the number that decides it'], verdicts),
    '',
    ...sections.flatMap((section) => [section, '']),
    "## The seed's cost-benefit table, redone",
    '',
    "The seed rates the performance gain of moving each service off PostgreSQL. Here: polyshop's own figure " +
      'with the service on its target store, divided by the same figure with it on PostgreSQL, in the same run ' +
      '(the other services on PGlite in both).',
    '',
    cost.table,
    ...(costChart ? ['', costChart] : []),
    '',
    "## The hot paths against their stores' own speed (issue 12)",
    '',
    performanceTargets(results),
    '',
    ...floors(results).flatMap((floor) => [floor, '']),
    '## Every other figure of the run',
    '',
    ...others.flatMap((result) => [resultSection(result, results), '']),
  ].join('\n');
  writeFileSync(file, `${document.trimEnd()}\n`);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_ -]/gu, '')
    .replace(/ /g, '-');
}
