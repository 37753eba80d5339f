import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { definition as notifications } from '@polyshop/notifications';
import { createTestPlatform, type TestPlatform } from '@polyshop/platform/testing';
import {
  aConfirmedOrder,
  CHECKOUT_DEFINITIONS,
} from '../../services/orders/test/fixtures/checkout-platform.ts';
import { labelValuesMetric, promqlReads } from './support/promql-selectors.ts';
import { parsePrometheusText, seriesOf, type Family } from './support/prometheus-text.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const DASHBOARD = join(root, 'deploy', 'grafana', 'dashboards', 'polyshop.json');
const readYaml = <T>(...path: string[]) => parseYaml(readFileSync(join(root, ...path), 'utf8')) as T;

interface Target {
  expr?: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
  datasource?: { uid?: string };
  includeAll?: boolean;
  multi?: boolean;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
/** Every panel, those inside collapsed rows included. */
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr ?? '' })),
);
const variables = dashboard.templating.list;

/** Labels Prometheus adds to every scraped series, and a histogram bucket's bound. */
const TARGET_LABELS = ['instance', 'job'];
const HISTOGRAM_SERIES = /_(bucket|count|sum)$/;

/**
 * Issue 16 (dashboards): deploy/grafana/dashboards/polyshop.json, the Grafana dashboard docker-compose
 * provisions. Every PromQL query in it parses (Prometheus's own grammar) and reads only families a real
 * platform exports after a checkout, with labels those families carry; the provisioning files and the
 * compose file point at each other and at the dashboard.
 */
describe('the Grafana dashboard', () => {
  it('is a Grafana 10/11 dashboard with a Prometheus data source variable and a service variable', () => {
    assert.equal(dashboard.uid, 'polyshop-overview');
    assert.ok(dashboard.schemaVersion >= 36 && dashboard.schemaVersion <= 41, `${dashboard.schemaVersion}`);
    const datasource = variables.find((v) => v.name === 'datasource');
    assert.deepEqual([datasource?.type, datasource?.query], ['datasource', 'prometheus']);
    const service = variables.find((v) => v.name === 'service');
    assert.equal(service?.type, 'query');
    assert.equal(service?.datasource?.uid, '${datasource}');
    assert.ok(service?.includeAll && service.multi);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const panel of panels) {
      assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the grid`);
      if (panel.type === 'row') continue;
      assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title} uses the variable`);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`);
      for (const target of panel.targets!) assert.equal(target.datasource?.uid, '${datasource}');
    }
    const rows = panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    assert.deepEqual(rows, [
      'Services overview',
      'Stores',
      'Checkout saga',
      'Inventory',
      'Store migration',
      'Events',
      'Node process',
    ]);
  });

  it('has PromQL that parses in every panel', () => {
    assert.ok(queries.length >= 30, `${queries.length} queries`);
    for (const { panel, expr } of queries) {
      assert.doesNotThrow(() => promqlReads(expr), `${panel}: ${expr}`);
      assert.ok(promqlReads(expr).metrics.length > 0, `${panel} reads a metric`);
    }
    assert.throws(() =>
      promqlReads('sum(rate(polyshop_http_request_duration_seconds_count[5m]) by (service'),
    );
  });

  describe('reads only what a platform exports (PGlite, after one checkout)', () => {
    let platform: TestPlatform;
    let families: Map<string, Family>;
    /** Labels seen on each series name (`…_bucket` included). */
    let labels: Map<string, Set<string>>;

    before(async () => {
      platform = await createTestPlatform({
        target: 'pglite',
        definitions: [...CHECKOUT_DEFINITIONS, notifications],
        env: { ORDERS_RECOVERY_INTERVAL_MS: '60000' },
      });
      const sku = `GRAF-${randomUUID().slice(0, 8)}`.toUpperCase();
      await aConfirmedOrder(platform, { sku, price: '4.00', stock: 3, quantity: 1 });
      const scraped = await platform.app.inject('/metrics');
      assert.equal(scraped.statusCode, 200);
      families = new Map(parsePrometheusText(scraped.body).map((family) => [family.name, family]));
      labels = new Map(
        [...seriesOf(scraped.body)].map(([name, samples]) => [
          name,
          new Set(samples.flatMap((sample) => Object.keys(sample.labels ?? {}))),
        ]),
      );
    });
    after(() => platform?.dispose());

    /** The family a series name belongs to: itself, or the histogram or summary it is a series of. */
    const familyOf = (series: string): Family | undefined => {
      const exact = families.get(series);
      if (exact) return exact;
      const base = families.get(series.replace(HISTOGRAM_SERIES, ''));
      return base && ['HISTOGRAM', 'SUMMARY'].includes(base.type) ? base : undefined;
    };
    /** Labels a series carries in the scrape (undefined when it has no sample yet: nothing to check). */
    const labelsOf = (series: string): Set<string> | undefined => {
      const seen = labels.get(series);
      return seen && seen.size > 0 ? new Set([...seen, ...TARGET_LABELS]) : undefined;
    };

    it('every metric a panel or variable queries is a family of GET /metrics', () => {
      const read = new Set<string>();
      for (const { panel, expr } of queries) {
        for (const metric of promqlReads(expr).metrics) {
          assert.ok(familyOf(metric), `${panel}: ${metric} is not exported (${expr})`);
          read.add(familyOf(metric)!.name);
        }
      }
      for (const variable of variables) {
        if (variable.type !== 'query') continue;
        const query = typeof variable.query === 'string' ? variable.query : variable.query.query;
        const { metric, label } = labelValuesMetric(query);
        assert.ok(familyOf(metric), `variable ${variable.name}: ${metric} is not exported`);
        assert.ok(labelsOf(metric)?.has(label), `variable ${variable.name}: ${metric} has no ${label}`);
      }
      // the families the issue asks the dashboard to show are all on it
      for (const family of [
        'polyshop_http_request_duration_seconds',
        'polyshop_store_operation_duration_seconds',
        'polyshop_saga_orders',
        'polyshop_saga_step_duration_seconds',
        'polyshop_inventory_reservations_total',
        'polyshop_inventory_conflicts_total',
        'polyshop_inventory_retries_total',
        'polyshop_inventory_lock_wait_seconds',
        'polyshop_migration_phase',
        'polyshop_migration_backfill_rows',
        'polyshop_migration_verify_differences',
        'polyshop_events_published_total',
        'polyshop_event_handling_duration_seconds',
        'polyshop_outbox_lag_seconds',
        'polyshop_dead_letters_pending',
        'polyshop_notification_deliveries_total',
        'process_cpu_seconds_total',
      ]) {
        assert.ok(read.has(family), `the dashboard shows ${family}`);
      }
    });

    it('reads _bucket, _count and _sum only of histograms, and labels their families carry', () => {
      let checked = 0;
      for (const { panel, expr } of queries) {
        const reads = promqlReads(expr);
        for (const metric of reads.metrics) {
          if (families.has(metric)) continue;
          assert.equal(familyOf(metric)?.type, 'HISTOGRAM', `${panel}: ${metric}`);
        }
        for (const { metric, labels: used } of reads.matchers) {
          const carried = labelsOf(metric);
          if (!carried) continue; // no sample yet (a conflict, a migration): its name is checked above
          for (const label of used) assert.ok(carried.has(label), `${panel}: ${metric} has no ${label}`);
          checked++;
        }
        for (const { labels: grouping, metrics } of reads.groupings) {
          const carried = metrics.map(labelsOf);
          if (carried.some((set) => !set)) continue;
          for (const label of grouping) {
            assert.ok(
              carried.some((set) => set!.has(label)),
              `${panel}: by (${label}) but ${metrics.join(', ')} have no such label`,
            );
          }
          checked++;
        }
      }
      assert.ok(checked >= 30, `labels checked on ${checked} selectors and groupings`);
    });
  });
});

interface ComposeService {
  image: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  extra_hosts?: string[];
  depends_on?: string[];
}

describe('Prometheus and Grafana in docker-compose.yml', () => {
  const compose = readYaml<{ services: Record<string, ComposeService>; volumes: Record<string, unknown> }>(
    'docker-compose.yml',
  );
  const { prometheus, grafana } = compose.services;
  /** A service's bind mounts: container path → path in the repository. */
  const mounts = (service: ComposeService | undefined) =>
    new Map(
      (service?.volumes ?? [])
        .filter((volume) => volume.startsWith('./'))
        .map((volume) => {
          const [source, target] = volume.split(':');
          return [target!, source!.slice(2)] as const;
        }),
    );

  it('runs both from pinned images, on loopback ports clear of the stores', () => {
    assert.match(String(prometheus?.image), /^prom\/prometheus:v\d+\.\d+\.\d+$/);
    assert.match(String(grafana?.image), /^grafana\/grafana:1[01]\.\d+\.\d+$/);
    assert.deepEqual(prometheus?.ports, ['127.0.0.1:9090:9090']);
    assert.deepEqual(grafana?.ports, ['127.0.0.1:3001:3000']);
    const hostPorts = Object.values(compose.services).flatMap((service) =>
      (service.ports ?? []).map((port) => port.split(':').at(-2)),
    );
    assert.equal(new Set(hostPorts).size, hostPorts.length, `host ports: ${hostPorts.join(', ')}`);
    assert.ok(!hostPorts.includes('3000'), "polyshop's own port stays free");
  });

  it("mounts Prometheus's configuration, which scrapes polyshop's /metrics on the host", () => {
    const config = mounts(prometheus).get('/etc/prometheus/prometheus.yml');
    assert.equal(config, 'deploy/prometheus/prometheus.yml');
    assert.ok(prometheus?.command?.includes('--config.file=/etc/prometheus/prometheus.yml'));
    assert.ok(prometheus?.extra_hosts?.includes('host.docker.internal:host-gateway'));
    const scrape = readYaml<{
      scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
    }>(config);
    const [job] = scrape.scrape_configs;
    assert.equal(job?.metrics_path ?? '/metrics', '/metrics');
    assert.deepEqual(job?.static_configs[0]?.targets, ['host.docker.internal:3000']);
  });

  it('provisions the Prometheus data source and the dashboard into Grafana', () => {
    const grafanaMounts = mounts(grafana);
    const datasources = grafanaMounts.get('/etc/grafana/provisioning/datasources');
    const providers = grafanaMounts.get('/etc/grafana/provisioning/dashboards');
    assert.equal(datasources, 'deploy/grafana/provisioning/datasources');
    assert.equal(providers, 'deploy/grafana/provisioning/dashboards');
    const source = readYaml<{ datasources: { type: string; url: string; isDefault?: boolean }[] }>(
      datasources,
      'prometheus.yml',
    );
    assert.equal(source.datasources[0]?.type, 'prometheus');
    assert.equal(source.datasources[0]?.url, 'http://prometheus:9090', 'the compose service, by name');
    assert.ok(grafana?.depends_on?.includes('prometheus'));

    const provider = readYaml<{ providers: { type: string; options: { path: string } }[] }>(
      providers,
      'polyshop.yml',
    );
    const path = provider.providers[0]!.options.path;
    assert.equal(provider.providers[0]?.type, 'file');
    const mounted = grafanaMounts.get(path);
    assert.equal(mounted, 'deploy/grafana/dashboards', `${path} is the dashboards folder`);
    assert.ok(existsSync(join(root, mounted, 'polyshop.json')));
    assert.equal(grafana?.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, `${path}/polyshop.json`);
    for (const volume of ['prometheus-data', 'grafana-data']) assert.ok(volume in compose.volumes, volume);
  });
});
