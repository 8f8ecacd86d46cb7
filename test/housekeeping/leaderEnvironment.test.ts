import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { detectKubeAccess, leaderIdentity, resolveLeaseNamespace } from '../../src/housekeeping/kubeEnvironment.js';
import { startHousekeeping, type HousekeepingSettings, type RunningHousekeeping } from '../../src/housekeeping/leadership.js';
import { KubeApiDouble } from './kubeApiDouble.js';
import { waitFor } from './leaderHarness.js';

const settings = (lease: Partial<HousekeepingSettings['lease']> = {}): HousekeepingSettings => ({
  mode: 'auto',
  snapshotCleanup: '17 3 * * *',
  credentialCheck: '*/30 * * * *',
  resync: '* * * * *',
  jitterSeconds: 0,
  lease: { name: 'rds-broker-housekeeping', durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1, ...lease },
});

describe('leader election environment', function () {
  this.timeout(30_000);

  describe('where the Kubernetes API is (pure)', () => {
    const table: Array<[string, NodeJS.ProcessEnv, string | undefined, ReturnType<typeof detectKubeAccess>]> = [
      ['in a pod', { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, undefined, { kind: 'in-cluster' }],
      [
        'a configured kubeconfig wins over the pod',
        { KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        '/etc/kube/config',
        { kind: 'kubeconfig', path: '/etc/kube/config' },
      ],
      ['a configured kubeconfig outside a pod', {}, 'k.yaml', { kind: 'kubeconfig', path: 'k.yaml' }],
      ['KUBECONFIG in the shell alone does not count', { KUBECONFIG: '/home/dev/.kube/config' }, undefined, undefined],
      ['nothing', {}, undefined, undefined],
    ];
    for (const [what, env, configured, expected] of table) {
      it(what, () => expect(detectKubeAccess(env, configured)).to.deep.equal(expected));
    }
  });

  describe('the lease namespace', () => {
    const withContextNamespace = new KubeConfig();
    withContextNamespace.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'ctx', cluster: 'c', user: 'u', namespace: 'from-context' }],
      currentContext: 'ctx',
    });
    const table: Array<[string, string | undefined, NodeJS.ProcessEnv, string | undefined, KubeConfig | undefined, string]> = [
      ['the configuration first', 'configured', { POD_NAMESPACE: 'pod' }, 'file', withContextNamespace, 'configured'],
      ['then POD_NAMESPACE (downward API)', undefined, { POD_NAMESPACE: 'pod' }, 'file', withContextNamespace, 'pod'],
      ['then the service account namespace file', undefined, {}, 'file', withContextNamespace, 'file'],
      ['then the kubeconfig context', undefined, {}, undefined, withContextNamespace, 'from-context'],
      ['else default', undefined, {}, undefined, undefined, 'default'],
    ];
    for (const [what, configured, env, file, kubeConfig, expected] of table) {
      it(what, () => expect(resolveLeaseNamespace(configured, env, kubeConfig, () => file)).to.equal(expected));
    }
  });

  describe('holder identity', () => {
    it('is the pod name and a random suffix, different for every elector', () => {
      const a = leaderIdentity({ POD_NAME: 'rds-broker-7d9f-abcde' });
      const b = leaderIdentity({ POD_NAME: 'rds-broker-7d9f-abcde' });
      expect(a).to.match(/^rds-broker-7d9f-abcde_[0-9a-f]{8}$/);
      expect(a).to.not.equal(b);
    });
    it('falls back to the host name, which is the pod name in Kubernetes', () => {
      expect(leaderIdentity({}, () => Buffer.from([1, 2, 3, 4]))).to.equal(`${hostname()}_01020304`);
    });
  });

  describe('end to end through the real configuration paths', () => {
    let api: KubeApiDouble;
    let dir: string;
    let running: RunningHousekeeping | undefined;
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };

    beforeEach(async () => {
      api = new KubeApiDouble();
      await api.start();
      dir = mkdtempSync(join(tmpdir(), 'leader-env-'));
    });
    afterEach(async () => {
      await running?.stop();
      running = undefined;
      await api.close();
      rmSync(dir, { recursive: true, force: true });
      for (const [key, value] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });

    it('in a pod (mode auto): service account token, CA and namespace files, KUBERNETES_SERVICE_* from the kubelet', async () => {
      const accountDir = join(dir, 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount');
      mkdirSync(accountDir, { recursive: true });
      writeFileSync(join(accountDir, 'ca.crt'), api.certificatePem);
      writeFileSync(join(accountDir, 'token'), 'service-account-token');
      writeFileSync(join(accountDir, 'namespace'), 'brokers-from-file');
      const url = new URL(api.url);
      // The client library reads these two from the process environment itself, as in a pod.
      process.env.KUBERNETES_SERVICE_HOST = url.hostname;
      process.env.KUBERNETES_SERVICE_PORT = url.port;
      const env = { KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port, POD_NAME: 'rds-broker-0' };
      running = startHousekeeping(settings(), [], { env, serviceAccountPathPrefix: dir });

      expect(running.leadership.participation).to.equal('elect');
      await waitFor(() => running!.isLeader(), 'leadership in the pod');
      const lease = api.lease('brokers-from-file', 'rds-broker-housekeeping');
      expect(lease?.spec.holderIdentity).to.match(/^rds-broker-0_[0-9a-f]{8}$/);
      expect(new Set(api.writes.map((w) => w.token))).to.deep.equal(new Set(['service-account-token']));
    });

    it('with a configured kubeconfig (mode auto): its server, authority, token and context namespace', async () => {
      const kubeconfig = join(dir, 'kubeconfig.yaml');
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'double',
              cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.certificatePem).toString('base64') },
            },
          ],
          users: [{ name: 'operator', user: { token: 'kubeconfig-token' } }],
          contexts: [{ name: 'double', context: { cluster: 'double', user: 'operator', namespace: 'brokers-from-context' } }],
          'current-context': 'double',
        }),
      );
      running = startHousekeeping(settings({ kubeconfig }), [], { env: { POD_NAME: 'laptop' } });
      await waitFor(() => running!.isLeader(), 'leadership through the kubeconfig');
      expect(api.lease('brokers-from-context', 'rds-broker-housekeeping')?.spec.holderIdentity).to.match(/^laptop_/);
      expect(new Set(api.writes.map((w) => w.token))).to.deep.equal(new Set(['kubeconfig-token']));
    });

    it('mode leader with no Kubernetes API refuses to start', () => {
      expect(() => startHousekeeping({ ...settings(), mode: 'leader' }, [], { env: {} })).to.throw(/no Kubernetes API/);
    });
  });
});
