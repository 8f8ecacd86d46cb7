import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { buildConfig } from '../../src/config/load.js';
import { k8sTools, toolsPackage } from './k8sTools.js';
import { manifestProblems } from './kubeSchemas.js';
import { helmRunner, renderChart, type AnyManifest } from './render.js';
import { valuesSchemaPath, valuesSchemaText } from './valuesSchema.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const chart = join(root, 'helm', 'rds-broker');

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are walked as plain data */

describe(`Helm chart (helm ${toolsPackage.helmVersion} from ${toolsPackage.name}@${toolsPackage.version})`, function () {
  this.timeout(240_000);
  let helmBin = '';
  let kubectlBin = '';
  let helmHome = '';

  before(async function () {
    const tools = await k8sTools();
    if ('skipped' in tools) {
      console.log(`      skipped: ${tools.skipped}`);
      this.skip();
    }
    helmBin = tools.helm;
    kubectlBin = tools.kubectl;
    helmHome = mkdtempSync(join(tmpdir(), 'helm-home-'));
  });

  after(() => {
    if (helmHome) rmSync(helmHome, { recursive: true, force: true });
  });

  const helm = (args: string[]) => helmRunner(helmBin, helmHome)(args);
  const render = (sets: string[] = [], release = 'rb', namespace = 'brokers') => renderChart(helm, sets, release, namespace);

  const one = (docs: AnyManifest[], kind: string): AnyManifest => {
    const found = docs.filter((d) => d.kind === kind);
    expect(found, `${kind} objects`).to.have.length(1);
    return found[0]!;
  };

  it('passes helm lint --strict', async () => {
    const result = await helm(['lint', '--strict', chart]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  const refused: Array<[string, string[], RegExp]> = [
    ['an unknown value', ['colour=blue'], /additional properties 'colour' not allowed/],
    ['an unknown broker configuration key', ['config.listen.hots=x'], /additional properties 'hots' not allowed/],
    ['a region the broker would refuse', ['config.aws.region=Ireland'], /config\/aws\/region/],
    ['zero replicas', ['replicaCount=0'], /replicaCount/],
    [
      'a derivation secret shorter than 16 characters',
      ['derivationSecrets[0].id=s1', 'derivationSecrets[0].value=short'],
      /derivationSecrets\/0\/value/,
    ],
    ['a housekeeping mode that does not exist', ['config.housekeeping.mode=sometimes'], /config\/housekeeping\/mode/],
  ];
  for (const [what, sets, message] of refused) {
    it(`values.schema.json refuses ${what}`, async () => {
      const result = await helm(['lint', chart, ...sets.flatMap((s) => ['--set', s])]);
      expect(result.code).to.not.equal(0);
      expect(result.stdout + result.stderr).to.match(message);
    });
  }

  it('values.schema.json is the one generated from the broker configuration schema', () => {
    expect(readFileSync(valuesSchemaPath, 'utf8'), 'regenerate with: node --import tsx test/helm/valuesSchema.ts').to.equal(
      valuesSchemaText(),
    );
  });

  const scenarios: Array<[string, string[], string[]]> = [
    [
      'default values',
      [],
      ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'],
    ],
    [
      'an existing Secret',
      ['existingSecret=broker-secrets'],
      ['ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'],
    ],
    [
      'ServiceMonitor and NetworkPolicy on',
      [
        'metrics.serviceMonitor.enabled=true',
        'metrics.serviceMonitor.labels.release=prometheus',
        'networkPolicy.enabled=true',
        'networkPolicy.ingressFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=cf-system',
        'networkPolicy.egress[0].ports[0].port=443',
        'networkPolicy.egress[0].ports[0].protocol=TCP',
      ],
      [
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ],
    ],
    [
      'TLS, a database CA bundle, IRSA, one replica',
      [
        'tls.enabled=true',
        'tls.secretName=broker-tls',
        'databaseCaBundle.pem=-----BEGIN CERTIFICATE-----',
        'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/rds-broker',
        'replicaCount=1',
      ],
      ['ConfigMap', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount'],
    ],
  ];
  for (const [name, sets, kinds] of scenarios) {
    it(`renders with ${name}: the expected objects, each valid against the Kubernetes schemas`, async () => {
      const docs = await render(sets);
      expect(docs.map((d) => d.kind).sort()).to.deep.equal(kinds);
      expect(docs.flatMap(manifestProblems)).to.deep.equal([]);
      for (const doc of docs) expect(doc.metadata.namespace, `${doc.kind} namespace`).to.equal('brokers');
    });
  }

  it('the schema check is not a rubber stamp: it finds a wrong type, a missing field and an unknown field', async () => {
    const deployment = one(await render(), 'Deployment');
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    delete broken.spec.selector;
    broken.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
    const problems = manifestProblems(broken).join('\n');
    expect(problems).to.match(/\/spec\/replicas: must be integer/);
    expect(problems).to.match(/selector/);
    expect(problems).to.match(/securityContext\.readOnlyRootFileSystem: unknown field/);
  });

  it('runs the broker locked down: non-root, read-only root, no capabilities, RuntimeDefault seccomp, writable /tmp only', async () => {
    const pod = one(await render(), 'Deployment').spec.template.spec;
    expect(pod.securityContext).to.include({ runAsNonRoot: true });
    expect(pod.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
    expect(pod.containers).to.have.length(1);
    const container = pod.containers[0];
    expect(container.securityContext).to.deep.include({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(container.securityContext.capabilities).to.deep.equal({ drop: ['ALL'] });
    expect(container.securityContext.seccompProfile).to.deep.equal({ type: 'RuntimeDefault' });
    expect(container.securityContext.privileged).to.equal(undefined);
    const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/etc/rds-broker/config'].readOnly).to.equal(true);
    const tmp = pod.volumes.find((v: any) => v.name === mounts['/tmp'].name);
    expect(tmp.emptyDir, '/tmp is an emptyDir').to.be.an('object');
    expect(
      container.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath),
      'writable mounts',
    ).to.deep.equal(['/tmp']);
  });

  it('runs two replicas spread over zones and nodes, probed on /healthz and /readyz, with resources', async () => {
    const docs = await render();
    const deployment = one(docs, 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(deployment.spec.replicas).to.equal(2);
    expect(container.livenessProbe.httpGet).to.include({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(container.readinessProbe.httpGet).to.include({ path: '/readyz', port: 'http', scheme: 'HTTP' });
    expect(container.ports).to.deep.equal([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container.resources.requests).to.have.keys('cpu', 'memory');
    expect(container.resources.limits).to.have.key('memory');
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).to.deep.equal([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    const podLabels = deployment.spec.template.metadata.labels;
    for (const constraint of pod.topologySpreadConstraints) expect(podLabels).to.include(constraint.labelSelector.matchLabels);
    expect(podLabels).to.include(one(docs, 'PodDisruptionBudget').spec.selector.matchLabels);
    expect(podLabels).to.include(one(docs, 'Service').spec.selector);
    expect(one(docs, 'PodDisruptionBudget').spec.maxUnavailable).to.equal(1);
    expect(one(docs, 'Service').spec.ports[0].targetPort).to.equal('http');
  });

  it('passes the namespace and pod name from the downward API, and every secret from the Secret', async () => {
    const container = one(await render(), 'Deployment').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
    expect(env.POD_NAMESPACE.valueFrom.fieldRef.fieldPath).to.equal('metadata.namespace');
    expect(env.POD_NAME.valueFrom.fieldRef.fieldPath).to.equal('metadata.name');
    expect(env.BROKER_PASSWORD.valueFrom.secretKeyRef).to.deep.equal({ name: 'rb-rds-broker', key: 'broker-password' });
    expect(env.RDS_BROKER_DERIVATION_SECRET_S1.valueFrom.secretKeyRef).to.deep.equal({
      name: 'rb-rds-broker',
      key: 'derivation-secret-s1',
    });
    expect(
      container.env.filter((e: any) => 'value' in e),
      'literal environment values',
    ).to.deep.equal([]);
    expect(container.args).to.deep.equal(['--config', '/etc/rds-broker/config/config.yaml']);
  });

  it('with existingSecret, creates no Secret and reads every secret from the named one', async () => {
    const docs = await render(['existingSecret=broker-secrets', 'derivationSecrets[0].id=s2', 'derivationSecrets[1].id=s1']);
    expect(docs.filter((d) => d.kind === 'Secret')).to.deep.equal([]);
    const env = one(docs, 'Deployment').spec.template.spec.containers[0].env;
    const refs = env
      .filter((e: any) => e.valueFrom?.secretKeyRef)
      .map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(refs).to.deep.equal([
      ['BROKER_PASSWORD', 'broker-secrets', 'broker-password'],
      ['RDS_BROKER_DERIVATION_SECRET_S2', 'broker-secrets', 'derivation-secret-s2'],
      ['RDS_BROKER_DERIVATION_SECRET_S1', 'broker-secrets', 'derivation-secret-s1'],
    ]);
  });

  it('renders a broker configuration the broker accepts, with no secret in the ConfigMap', async () => {
    const password = 'chart-test-broker-password-1234';
    const derivation = 'chart-test-derivation-secret-0123456789';
    const docs = await render([`auth.password=${password}`, 'derivationSecrets[0].id=s1', `derivationSecrets[0].value=${derivation}`]);
    const configMap = one(docs, 'ConfigMap');
    const text = configMap.data['config.yaml'] as string;
    expect(text).to.not.include(password);
    expect(text).to.not.include(derivation);
    const document = parseYaml(text);
    expect(document.auth.credentials[0].password).to.deep.equal({ env: 'BROKER_PASSWORD' });
    expect(document.housekeeping.lease?.namespace, 'the lease namespace comes from POD_NAMESPACE').to.equal(undefined);
    // The broker's own loader, with the environment the Deployment gives it.
    const config = buildConfig(document, { BROKER_PASSWORD: password, RDS_BROKER_DERIVATION_SECRET_S1: derivation });
    expect(config.listen).to.include({ host: '0.0.0.0', port: 8080 });
    expect(config.auth.credentials[0]).to.deep.equal({ username: 'broker', password });
    expect(config.broker.derivationSecrets).to.deep.equal([{ id: 's1', value: derivation }]);
    const secret = one(docs, 'Secret');
    expect(Buffer.from(secret.data['broker-password'], 'base64').toString()).to.equal(password);
    expect(Buffer.from(secret.data['derivation-secret-s1'], 'base64').toString()).to.equal(derivation);
  });

  it('generates strong secrets when none are given', async () => {
    const secret = one(await render(), 'Secret');
    expect(secret.metadata.annotations!['helm.sh/resource-policy']).to.equal('keep');
    expect(Buffer.from(secret.data['broker-password'], 'base64').toString()).to.match(/^[A-Za-z0-9]{32}$/);
    expect(Buffer.from(secret.data['derivation-secret-s1'], 'base64').toString()).to.match(/^[A-Za-z0-9]{48}$/);
  });

  it('grants only get, create and update on Leases, in its own namespace, to its own service account', async () => {
    const docs = await render(['serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::123456789012:role/rds-broker']);
    expect(
      docs.filter((d) => /^Cluster/.test(d.kind)),
      'cluster-wide objects',
    ).to.deep.equal([]);
    const role = one(docs, 'Role');
    for (const rule of role.rules) {
      expect(rule.apiGroups).to.deep.equal(['coordination.k8s.io']);
      expect(rule.resources).to.deep.equal(['leases']);
      for (const verb of rule.verbs) expect(['get', 'create', 'update']).to.include(verb);
    }
    expect(role.rules.flatMap((r: any) => r.verbs).sort()).to.deep.equal(['create', 'get', 'update']);
    const named = role.rules.filter((r: any) => r.resourceNames);
    expect(named.flatMap((r: any) => r.resourceNames)).to.deep.equal(['rds-broker-housekeeping']);
    const binding = one(docs, 'RoleBinding');
    const serviceAccount = one(docs, 'ServiceAccount');
    expect(binding.roleRef).to.deep.equal({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: 'brokers' }]);
    expect(one(docs, 'Deployment').spec.template.spec.serviceAccountName).to.equal(serviceAccount.metadata.name);
    expect(serviceAccount.metadata.annotations!['eks.amazonaws.com/role-arn']).to.equal('arn:aws:iam::123456789012:role/rds-broker');
  });

  it('with TLS and a database CA bundle: the broker serves HTTPS, probes follow, and the files it is told of are mounted', async () => {
    const docs = await render(['tls.enabled=true', 'tls.secretName=broker-tls', 'databaseCaBundle.pem=-----BEGIN CERTIFICATE-----']);
    const configMaps = docs.filter((d) => d.kind === 'ConfigMap');
    const config = parseYaml(configMaps.find((c) => c.data['config.yaml'])!.data['config.yaml']);
    const pod = one(docs, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(container.livenessProbe.httpGet.scheme).to.equal('HTTPS');
    expect(container.readinessProbe.httpGet.scheme).to.equal('HTTPS');
    const mounted = (file: string) =>
      container.volumeMounts.some((m: any) => file.startsWith(`${m.mountPath}/`) && pod.volumes.some((v: any) => v.name === m.name));
    for (const file of [config.listen.tls.certFile, config.listen.tls.keyFile, config.database.tls.caBundleFile])
      expect(mounted(file), file).to.equal(true);
    expect(pod.volumes.find((v: any) => v.secret)?.secret.secretName).to.equal('broker-tls');
    const bundle = configMaps.find((c) => c.data['global-bundle.pem']);
    expect(bundle?.data['global-bundle.pem']).to.include('BEGIN CERTIFICATE');
  });

  it("gives each replica its share of RDS's request budget, derived from replicaCount; explicit config wins", async () => {
    const budgetOf = async (sets: string[]) => {
      const docs = await render(sets);
      const configMap = docs.find((d) => d.kind === 'ConfigMap' && d.data['config.yaml'])!;
      return parseYaml(configMap.data['config.yaml']).aws.budget;
    };
    // 300 burst and 12/s, 90% of it for the release, over the replicas.
    expect(await budgetOf([])).to.deep.equal({ burst: 135, ratePerSecond: 5.4 });
    expect(await budgetOf(['replicaCount=3'])).to.deep.equal({ burst: 90, ratePerSecond: 3.6 });
    expect(await budgetOf(['replicaCount=1', 'rdsBudget.share=1', 'rdsBudget.accountRatePerSecond=100'])).to.deep.equal({
      burst: 300,
      ratePerSecond: 100,
    });
    expect(await budgetOf(['config.aws.budget.burst=7', 'config.aws.budget.ratePerSecond=2'])).to.deep.equal({
      burst: 7,
      ratePerSecond: 2,
    });
  });

  it('mounts the API token only when housekeeping elects through a Lease', async () => {
    for (const [mode, mounted] of [
      ['auto', true],
      ['leader', true],
      ['always', false],
      ['never', false],
    ] as const) {
      const docs = await render([`config.housekeeping.mode=${mode}`]);
      expect(one(docs, 'Deployment').spec.template.spec.automountServiceAccountToken, mode).to.equal(mounted);
      expect(one(docs, 'ServiceAccount').automountServiceAccountToken, mode).to.equal(mounted);
    }
  });

  it('refuses a lease namespace its Role would not cover', async () => {
    const result = await helm([
      'template',
      'rb',
      chart,
      '--namespace',
      'brokers',
      '--set',
      'config.housekeeping.lease.namespace=elsewhere',
    ]);
    expect(result.code).to.not.equal(0);
    expect(result.stderr).to.include('config.housekeeping.lease.namespace (elsewhere) is not the release namespace (brokers)');
  });

  it('NOTES.txt gives the Cloud Foundry and Kubernetes service catalog registration', async () => {
    const result = await helm(['install', 'rb', chart, '--namespace', 'brokers', '--dry-run=client']);
    expect(result.code, result.stderr).to.equal(0);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    expect(notes).to.include(
      'cf create-service-broker rds-broker broker "$BROKER_PASSWORD" http://rb-rds-broker.brokers.svc.cluster.local:80',
    );
    expect(notes).to.include('kind: ClusterServiceBroker');
    expect(notes).to.include('kubectl get lease rds-broker-housekeeping --namespace brokers');
  });

  it('the kustomize base in deploy/ equals the chart rendered with defaults (less the generated Secret)', async () => {
    const { stdout } = await execFileAsync(kubectlBin, ['kustomize', join(root, 'deploy')], { maxBuffer: 16 << 20 });
    const base = parseAllDocuments(stdout).map((d) => d.toJSON() as AnyManifest);
    const chartDocs = (await render([], 'rds-broker', 'rds-broker')).filter((d) => d.kind !== 'Secret');
    // Only what Helm itself adds differs: its management labels and the config checksum.
    const normalise = (doc: AnyManifest) => {
      const copy = structuredClone(doc);
      for (const labels of [copy.metadata.labels, copy.spec?.template?.metadata?.labels]) {
        if (labels) {
          delete labels['helm.sh/chart'];
          delete labels['app.kubernetes.io/managed-by'];
        }
      }
      if (copy.spec?.template?.metadata?.annotations) delete copy.spec.template.metadata.annotations['checksum/config'];
      if (copy.spec?.template?.metadata?.annotations && Object.keys(copy.spec.template.metadata.annotations).length === 0)
        delete copy.spec.template.metadata.annotations;
      return copy;
    };
    const key = (d: AnyManifest) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`;
    expect(base.map(key).sort()).to.deep.equal(chartDocs.map(key).sort());
    const byKey = new Map(base.map((d) => [key(d), d]));
    for (const doc of chartDocs) expect(normalise(byKey.get(key(doc))!), key(doc)).to.deep.equal(normalise(doc));
    expect(base.flatMap(manifestProblems)).to.deep.equal([]);
  });
});
