import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { isCI } from '@polyshop/testing';
import { serviceDefinitions } from '@polyshop/platform';

/**
 * Issue 15: the Kubernetes manifests of deploy/k8s. kubeconform (scripts/validate-k8s) checks them against
 * the Kubernetes schemas; this file checks what no schema knows — that they run every service of the
 * catalog the way the platform expects (its port, its probes, its configuration).
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));
const k8sDir = join(root, 'deploy', 'k8s');
const validator = join(root, 'scripts', 'validate-k8s');
/** In deploy/k8s but deliberately not applied by kustomize (the real Secret is the operator's). */
const EXAMPLES = new Set(['secret.example.yaml']);

/** scripts/validate-k8s without installing anything; exit 3 means kubeconform or the schemas are missing. */
function validate(...paths: string[]): { status: number | null; output: string } {
  const run = spawnSync(validator, ['--no-install', ...paths], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

function skipWhenNotInstalled(status: number | null, output: string, skip: (message: string) => void) {
  if (status !== 3) return false;
  if (isCI)
    assert.fail(
      `kubeconform or the schemas are not installed (CI runs scripts/validate-k8s --install):\n${output}`,
    );
  skip('kubeconform is not installed: scripts/validate-k8s --install');
  return true;
}

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

function readObjects(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8')).map((document) => {
    assert.equal(document.errors.length, 0, `${file}: ${document.errors.join('; ')}`);
    return document.toJS() as K8sObject;
  });
}

const kustomization = readObjects('kustomization.yaml')[0] as K8sObject & { resources: string[] };
const applied = kustomization.resources.flatMap(readObjects);
const find = (kind: string, name: string) => applied.find((o) => o.kind === kind && o.metadata.name === name);

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML: the assertions check their shape */
const configMap = find('ConfigMap', 'polyshop-config') as any;
const secretExample = readObjects('secret.example.yaml')[0] as any;

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

describe('deploy/k8s', () => {
  it('kubeconform (strict, every Kubernetes version of scripts/validate-k8s) accepts every manifest', (t) => {
    const { status, output } = validate();
    if (skipWhenNotInstalled(status, output, (m) => t.skip(m))) return;
    assert.equal(status, 0, output);
    // On both Kubernetes versions: every resource of every file (the example Secret included), then every
    // resource `kustomize build` renders (what `kubectl apply -k` sends); none skipped.
    const summaries = output.split('\n').filter((line) => line.startsWith('Summary:'));
    assert.equal(summaries.length, 4, output);
    assert.match(output, /== kustomize v[\d.]+ build /);
    summaries.forEach((summary, index) => {
      const resources = index < 2 ? applied.length + 1 : applied.length;
      assert.match(
        summary,
        new RegExp(
          `^Summary: ${resources} resources found .* Valid: ${resources}, Invalid: 0, Errors: 0, Skipped: 0$`,
        ),
      );
    });
  });

  it('the validator rejects a string replica count, an unknown field, a removed API, a kustomization naming no file', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'polyshop-k8s-broken-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const users = readFileSync(join(k8sDir, 'users.yaml'), 'utf8');
    const broken = {
      'replicas.yaml': users.replace('replicas: 2', 'replicas: "two"'),
      'unknown-field.yaml': users.replace('minAvailable: 1', 'minAvailable: 1\n  minAvailabel: 1'),
      'removed-api.yaml': users.replace('apiVersion: policy/v1\n', 'apiVersion: policy/v1beta1\n'),
    };
    for (const [file, text] of Object.entries(broken)) {
      assert.notEqual(text, users, `${file}: the edit applied`);
      writeFileSync(join(dir, file), text);
    }
    writeFileSync(join(dir, 'intact.yaml'), users);
    const intact = validate(join(dir, 'intact.yaml'));
    if (skipWhenNotInstalled(intact.status, intact.output, (m) => t.skip(m))) return;
    assert.equal(intact.status, 0, intact.output);
    const expected: Record<string, RegExp> = {
      'replicas.yaml': /Deployment polyshop-users is invalid: .*\/spec\/replicas/,
      'unknown-field.yaml':
        /PodDisruptionBudget polyshop-users is invalid: .*additional properties 'minAvailabel' not allowed/,
      'removed-api.yaml': /PodDisruptionBudget polyshop-users failed validation: could not find schema/,
    };
    for (const [file, message] of Object.entries(expected)) {
      const { status, output } = validate(join(dir, file));
      assert.equal(status, 1, `${file} must be rejected:\n${output}`);
      assert.match(output, message);
    }

    const kustomized = join(dir, 'kustomized');
    mkdirSync(kustomized);
    writeFileSync(join(kustomized, 'users.yaml'), users);
    const listing = (...files: string[]) =>
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f}\n`).join('')}`;
    writeFileSync(join(kustomized, 'kustomization.yaml'), listing('users.yaml'));
    const built = validate(kustomized);
    assert.equal(built.status, 0, built.output);
    assert.match(built.output, /kustomize build .*\nSummary: 3 resources found in 1 file - Valid: 3,/);
    writeFileSync(join(kustomized, 'kustomization.yaml'), listing('users.yaml', 'orders.yaml'));
    const missing = validate(kustomized);
    assert.equal(
      missing.status,
      1,
      `a kustomization naming a missing file must be rejected:\n${missing.output}`,
    );
    assert.match(missing.output, /accumulating resources from 'orders\.yaml'/);
  });

  it('kustomize applies every manifest here but the example Secret', () => {
    const manifests = readdirSync(k8sDir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    assert.deepEqual([...kustomization.resources].sort(), manifests.filter((f) => !EXAMPLES.has(f)).sort());
    assert.equal(kustomization.namespace, 'polyshop');
    assert.ok(find('Namespace', 'polyshop'));
  });

  it('the ConfigMap and the example Secret hold what `polyshop serve` needs', () => {
    assert.ok(configMap, 'ConfigMap polyshop-config');
    const data = configMap.data as Record<string, string>;
    assert.equal(
      data.HOST,
      '0.0.0.0',
      'the default 127.0.0.1 is unreachable from the Service and the probes',
    );
    assert.equal(data.PORT, undefined, 'one port per service: each Deployment passes its own');
    assert.match(data.NATS_URL ?? '', /^nats:\/\//, '`polyshop serve` refuses to start without NATS_URL');
    for (const value of Object.values(data)) assert.equal(typeof value, 'string');
    assert.equal(secretExample.kind, 'Secret');
    assert.equal(secretExample.metadata.name, 'polyshop-secrets');
    assert.match(secretExample.stringData.DATABASE_URL, /^postgres(ql)?:\/\//);
    assert.ok(secretExample.stringData.POLYSHOP_INTERNAL_TOKEN.length >= 16);
    for (const key of ['DATABASE_URL', 'POLYSHOP_INTERNAL_TOKEN'])
      assert.equal(data[key], undefined, `${key} is a secret, not ConfigMap data`);
  });

  it('there is one Deployment, Service and PodDisruptionBudget per service of the catalog, and no other', () => {
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget']) {
      assert.deepEqual(
        applied
          .filter((o) => o.kind === kind)
          .map((o) => o.metadata.name)
          .sort(),
        serviceDefinitions.map((d) => `polyshop-${d.name}`).sort(),
        kind,
      );
    }
  });

  for (const { name, defaultPort } of serviceDefinitions) {
    it(`${name}: 2 replicas of \`serve ${name}\` on port ${defaultPort}, probed, configured, disruption-budgeted, scraped`, () => {
      const deployment = find('Deployment', `polyshop-${name}`) as any;
      const service = find('Service', `polyshop-${name}`) as any;
      const pdb = find('PodDisruptionBudget', `polyshop-${name}`) as any;
      assert.ok(deployment && service && pdb);
      assert.equal(deployment.apiVersion, 'apps/v1');
      assert.equal(deployment.spec.replicas, 2);
      const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
      assert.ok(selects(deployment.spec.selector.matchLabels, podLabels), 'the Deployment selects its pods');

      const pod = deployment.spec.template.spec;
      assert.equal(pod.containers.length, 1);
      const [container] = pod.containers;
      assert.deepEqual(container.args, ['serve', name, '--port', String(defaultPort)]);
      assert.deepEqual(container.ports, [{ name: 'http', containerPort: defaultPort, protocol: 'TCP' }]);
      assert.equal(container.readinessProbe.httpGet.path, '/readyz');
      assert.deepEqual(deployment.spec.template.metadata.annotations, {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(defaultPort),
        'prometheus.io/path': '/metrics',
      });
      assert.equal(container.livenessProbe.httpGet.path, '/healthz');
      assert.equal(container.startupProbe.httpGet.path, '/healthz');
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'])
        assert.equal(container[probe].httpGet.port, 'http', probe);
      assert.deepEqual(container.envFrom, [
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secretExample.metadata.name } },
      ]);

      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
      assert.ok(tmp, 'a writable /tmp (tsx compile cache)');
      assert.ok(pod.volumes.some((v: any) => v.name === tmp.name && v.emptyDir));
      assert.ok(container.resources.requests.memory && container.resources.limits.memory);

      // SIGTERM comes after preStop; shutdown may drain SHUTDOWN_TIMEOUT_MS: both fit in the grace period.
      const [sleep, seconds] = container.lifecycle.preStop.exec.command;
      assert.equal(sleep, 'sleep');
      const needed = Number(seconds) * 1000 + Number(configMap.data.SHUTDOWN_TIMEOUT_MS ?? 10_000);
      assert.ok(pod.terminationGracePeriodSeconds * 1000 > needed, `grace period over ${needed} ms`);

      assert.equal(pdb.apiVersion, 'policy/v1');
      assert.equal(pdb.spec.minAvailable, 1);
      assert.ok(selects(pdb.spec.selector.matchLabels, podLabels), 'the PDB selects its pods');
      assert.ok(selects(service.spec.selector, podLabels), 'the Service selects its pods');
      for (const other of applied.filter((o) => o.kind === 'Deployment' && o !== deployment)) {
        const otherLabels = (other as any).spec.template.metadata.labels;
        assert.ok(
          !selects(pdb.spec.selector.matchLabels, otherLabels),
          `the PDB leaves ${other.metadata.name} alone`,
        );
        assert.ok(
          !selects(service.spec.selector, otherLabels),
          `the Service leaves ${other.metadata.name} alone`,
        );
      }
      assert.deepEqual(service.spec.ports, [
        { name: 'http', port: defaultPort, targetPort: 'http', protocol: 'TCP' },
      ]);
      assert.equal(
        configMap.data[`POLYSHOP_${name.toUpperCase()}_URL`],
        `http://${service.metadata.name}:${defaultPort}`,
        'the other services reach it through its Service',
      );
    });
  }
});
