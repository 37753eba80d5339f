import { useEffect, useMemo, useState } from 'preact/hooks';
import type { TopLevelSpec } from 'vega-lite';
import type { paths } from '@polyshop/client';
import { api } from '../session.ts';
import { callApi } from '../call-api.ts';
import { VegaChart } from '../vega-chart.tsx';
import '../pages.css';

type Run = paths['/admin/benchmarks']['get']['responses'][200]['content']['application/json'];
type Result = Run['results'][number];
type Comparison = Result['comparisons'][number];

/** A comparison's figure as its ratio divides it: operations per second, or the p99 in ms. */
function figure(comparison: Comparison, side: 'polyshop' | 'anchor'): number {
  const load = comparison[side];
  return comparison.metric === 'p99' ? load.p99Ms : load.perSecond;
}

function unit(metric: Comparison['metric']): string {
  return metric === 'p99' ? 'p99 (ms, lower is better)' : 'operations/s (higher is better)';
}

const number = (value: number) => value.toLocaleString('en', { maximumFractionDigits: value < 10 ? 3 : 1 });

/**
 * The latest `npm run bench -- --report` run (`GET /admin/benchmarks`): per scenario and target, polyshop
 * beside the anchor measured in the same run, as a Vega-Lite chart and a table of the same figures, its
 * checks and its other tables; the machine and its load (the machine is shared).
 */
export function BenchmarksPage(props: { onExpired: () => void }) {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stopped = false;
    void callApi(props.onExpired, () => api.GET('/admin/benchmarks')).then((answer) => {
      if (stopped) return;
      if (answer.ok) setRun(answer.data);
      else setError(answer.text);
    });
    return () => {
      stopped = true;
    };
  }, []);

  if (!run)
    return (
      <p role="status" class={error ? 'error' : undefined}>
        {error ?? 'Reading the benchmark run…'}
      </p>
    );
  const { machine } = run.environment;
  return (
    <>
      <p>
        <code>{run.command}</code>
      </p>
      <p class="muted">
        Scale {run.scale}, {run.startedAt.slice(0, 16).replace('T', ' ')} UTC · {machine.cores} ×{' '}
        {machine.cpu}, {machine.memoryGiB} GiB, Node {machine.node} · 1-minute load{' '}
        {machine.loadAtStart.toFixed(1)} at the start
        {machine.loadAtEnd === undefined ? '' : `, ${machine.loadAtEnd.toFixed(1)} at the end`} (a shared
        machine: compare ratios, measured in interleaved rounds, rather than absolute figures).
      </p>
      {run.results.map((result) => (
        <ScenarioSection key={`${result.scenario}-${result.target}`} result={result} />
      ))}
    </>
  );
}

function ScenarioSection({ result }: { result: Result }) {
  const title = `${result.scenario} on ${result.target}`;
  const metrics = [...new Set(result.comparisons.map((c) => c.metric ?? 'rate'))];
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {result.loadAverage !== undefined && (
        <p class="muted">1-minute load when it ended: {result.loadAverage.toFixed(1)}</p>
      )}
      {metrics.map((metric) => (
        <ComparisonChart
          key={metric}
          title={title}
          metric={metric}
          comparisons={result.comparisons.filter((c) => (c.metric ?? 'rate') === metric)}
        />
      ))}
      {result.comparisons.length === 0 && <p class="muted">No timed comparison in this scenario.</p>}
      {Object.keys(result.checks).length > 0 && (
        <p>
          Checks:{' '}
          {Object.entries(result.checks)
            .map(([name, value]) => `${name} = ${value}`)
            .join(', ')}
        </p>
      )}
      {(result.tables ?? []).map((table) => (
        <div key={table.title} class="table-scroll" tabIndex={0} role="region" aria-label={table.title}>
          <table>
            <caption>{table.title}</caption>
            <thead>
              <tr>
                {table.columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((row, index) => (
                <tr key={index}>
                  {row.map((cell, column) => (
                    <td key={column}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

function ComparisonChart(props: { title: string; metric: Comparison['metric']; comparisons: Comparison[] }) {
  const { title, metric, comparisons } = props;
  const spec = useMemo<TopLevelSpec>(
    () => ({
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      description: `${title}: polyshop beside its anchor, ${unit(metric)}, per measurement`,
      width: { step: 28 },
      height: 220,
      data: {
        values: comparisons.flatMap((c) => [
          { label: c.label, who: 'polyshop', value: figure(c, 'polyshop') },
          { label: c.label, who: `anchor: ${c.anchorName}`, value: figure(c, 'anchor') },
        ]),
      },
      mark: { type: 'bar', tooltip: false },
      encoding: {
        x: { field: 'label', type: 'nominal', title: null, axis: { labelAngle: 0 } },
        xOffset: { field: 'who', type: 'nominal' },
        y: { field: 'value', type: 'quantitative', title: unit(metric) },
        color: {
          field: 'who',
          type: 'nominal',
          title: null,
          scale: { range: ['#0b57d0', '#b3541e', '#0a6b2b', '#6b3fa0'] },
          legend: { orient: 'bottom', labelLimit: 600 },
        },
      },
      config: { font: 'system-ui, sans-serif' },
    }),
    [title, metric, comparisons],
  );
  return (
    <figure>
      <VegaChart spec={spec} />
      <figcaption>
        <div class="table-scroll" tabIndex={0} role="region" aria-label={`${title}: ${unit(metric)}`}>
          <table>
            <caption>
              {title}: {unit(metric)}
            </caption>
            <thead>
              <tr>
                <th scope="col">Measured</th>
                <th scope="col" class="number">
                  polyshop
                </th>
                <th scope="col">Anchor</th>
                <th scope="col" class="number">
                  Anchor figure
                </th>
                <th scope="col" class="number">
                  Ratio
                </th>
                <th scope="col">Goal</th>
              </tr>
            </thead>
            <tbody>
              {comparisons.map((c) => (
                <tr key={c.label}>
                  <th scope="row">{c.label}</th>
                  <td class="number">{number(figure(c, 'polyshop'))}</td>
                  <td class="wrap">{c.anchorName}</td>
                  <td class="number">{number(figure(c, 'anchor'))}</td>
                  <td class="number">{c.ratio.toFixed(3)}</td>
                  <td>{c.goal ? `${c.goal.is} ${c.goal.ratio}` : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </figcaption>
    </figure>
  );
}
