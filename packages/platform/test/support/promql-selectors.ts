import { parser } from '@prometheus-io/lezer-promql';

/** Grafana's interval variables, which are not PromQL, replaced by a duration before parsing. */
const GRAFANA_INTERVALS =
  /\$(?:__rate_interval|__interval|__range)\b|\$\{(?:__rate_interval|__interval|__range)\}/g;

/** What one PromQL expression reads. */
export interface PromqlReads {
  /** Metric names of its vector selectors (`foo_bucket` as written). */
  metrics: string[];
  /** Per aggregation (`sum by (…)`, `max by (…)`), its grouping labels and the metrics under it. */
  groupings: { labels: string[]; metrics: string[] }[];
  /** Per selector, the labels its matchers name. */
  matchers: { metric: string; labels: string[] }[];
}

/**
 * Parses `expr` with Prometheus's own PromQL grammar (`@prometheus-io/lezer-promql`, the one its UI
 * uses) after replacing Grafana's interval variables; template variables elsewhere sit inside label
 * values, which are strings. Throws, naming the position, when the expression does not parse.
 */
export function promqlReads(expr: string): PromqlReads {
  const promql = expr.replace(GRAFANA_INTERVALS, '5m');
  const tree = parser.parse(promql);
  const reads: PromqlReads = { metrics: [], groupings: [], matchers: [] };
  const text = (from: number, to: number) => promql.slice(from, to);
  const aggregations: { from: number; to: number; labels: string[]; metrics: string[] }[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        throw new Error(
          `PromQL does not parse at ${node.from}: …${promql.slice(node.from, node.from + 30)}… in ${expr}`,
        );
      }
      if (node.name === 'AggregateExpr') {
        const modifier = node.node.getChild('AggregateModifier');
        const labels =
          modifier
            ?.getChild('GroupingLabels')
            ?.getChildren('LabelName')
            .map((n) => text(n.from, n.to)) ?? [];
        aggregations.push({ from: node.from, to: node.to, labels, metrics: [] });
      }
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (!identifier) throw new Error(`a selector without a metric name in ${expr}`);
        const metric = text(identifier.from, identifier.to);
        reads.metrics.push(metric);
        const labels: string[] = [];
        for (const matchers of node.node.getChildren('LabelMatchers')) {
          matchers.cursor().iterate((inner) => {
            if (inner.name === 'LabelName') labels.push(text(inner.from, inner.to));
          });
        }
        reads.matchers.push({ metric, labels });
        for (const aggregation of aggregations) {
          if (node.from >= aggregation.from && node.to <= aggregation.to) aggregation.metrics.push(metric);
        }
      }
    },
  });
  reads.groupings = aggregations.map(({ labels, metrics }) => ({ labels, metrics }));
  return reads;
}

/** The metric of a Grafana `label_values(metric, label)` variable query. */
export function labelValuesMetric(query: string): { metric: string; label: string } {
  const match = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(
    query.trim(),
  );
  if (!match) throw new Error(`not a label_values(metric, label) query: ${query}`);
  return { metric: match[1]!, label: match[2]! };
}
