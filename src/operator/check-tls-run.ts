import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { BrokerDeps } from '../broker/deps.js';
import type { Config } from '../config/load.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import type { Lookup } from './check.js';
import type { BundleCertificate, CertificatesFact, InstanceConnectionFact, TlsFacts, TrustFact } from './check-tls.js';
import { ownedBy } from './rows.js';
import { probeTls } from './tls-probe.js';

/** The effects behind check's TLS findings: read what the broker trusts, ask RDS, connect. */

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of a PEM text that parses; the others are skipped (fileFindings counts the blocks). */
export function bundleCertificates(pem: string): BundleCertificate[] {
  const out: BundleCertificate[] = [];
  for (const block of pem.match(PEM_CERTIFICATE) ?? []) {
    try {
      const certificate = new X509Certificate(block);
      out.push({
        thumbprint: createHash('sha1').update(certificate.raw).digest('hex'),
        validFrom: new Date(certificate.validFrom),
        validTill: new Date(certificate.validTo),
        subject: certificate.subject.replace(/\n/g, ', '),
      });
    } catch {
      // Not a certificate Node.js can read: it cannot verify anything either.
    }
  }
  return out;
}

/**
 * What the broker trusts when it verifies a database: the bundle file, or (none configured) Node.js's
 * built-in authorities and NODE_EXTRA_CA_CERTS, which Node.js adds to them. Undefined when the file
 * cannot be read: fileFindings reports that.
 */
export function trustFact(config: Config): { trust?: TrustFact; pem?: string } {
  const file = config.database.tls.caBundleFile;
  if (file) {
    try {
      const pem = readFileSync(file, 'utf8');
      return { trust: { file, certificates: bundleCertificates(pem) }, pem };
    } catch {
      return {};
    }
  }
  let extra = '';
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      extra = readFileSync(extraFile, 'utf8');
    } catch {
      // Node.js ignores an unreadable file too (with a warning at start).
    }
  }
  return { trust: { certificates: bundleCertificates([...rootCertificates, extra].join('\n')) } };
}

/** At most this many instances are connected to: one per authority is what the check needs. */
const MAX_CONNECTIONS = 4;

/** The broker's instances to connect to: available, with an endpoint, one per (authority, engine). */
export function connectionTargets(instances: readonly ObservedInstance[]): ObservedInstance[] {
  const seen = new Set<string>();
  const out: ObservedInstance[] = [];
  for (const instance of instances) {
    if (instance.status !== 'available' || !instance.endpoint) continue;
    const key = `${instance.features?.caCertificateIdentifier ?? ''} ${instance.engine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(instance);
    if (out.length === MAX_CONNECTIONS) break;
  }
  return out;
}

export async function gatherTlsFacts(
  deps: BrokerDeps,
  config: Config,
  lookup: <T>(find: () => Promise<T | undefined>) => Promise<Lookup<T>>,
  instancesDenied: boolean,
): Promise<TlsFacts> {
  const certificates = await lookup<CertificatesFact>(async () => {
    const answer = await deps.rds.describeCertificates();
    return {
      authorities: answer.certificates
        .filter((c) => c.CertificateIdentifier)
        .map((c) => ({
          identifier: c.CertificateIdentifier!,
          ...(c.Thumbprint ? { thumbprint: c.Thumbprint } : {}),
          ...(c.ValidFrom ? { validFrom: new Date(c.ValidFrom) } : {}),
          ...(c.ValidTill ? { validTill: new Date(c.ValidTill) } : {}),
        })),
      ...(answer.defaultForNewLaunches ? { defaultForNewLaunches: answer.defaultForNewLaunches } : {}),
    };
  });
  const { trust, pem } = trustFact(config);
  if (config.database.tls.allowPlaintext || instancesDenied) return { certificates, ...(trust ? { trust } : {}) };

  const instanceAuthorities = new Map<string, number>();
  const instances = await lookup<InstanceConnectionFact[]>(async () => {
    const owned = (await deps.rds.listInstances()).filter((i) => ownedBy(config, i.tags));
    for (const i of owned) {
      const id = i.features?.caCertificateIdentifier;
      if (id) instanceAuthorities.set(id, (instanceAuthorities.get(id) ?? 0) + 1);
    }
    // An unreadable bundle is reported by fileFindings; a connection with another trust would say nothing about it.
    if (config.database.tls.caBundleFile && pem === undefined) return [];
    const facts: InstanceConnectionFact[] = [];
    for (const instance of connectionTargets(owned)) {
      const { address, port } = instance.endpoint!;
      facts.push({
        identifier: instance.identifier,
        engine: instance.engine,
        ...(instance.features?.caCertificateIdentifier ? { caCertificateIdentifier: instance.features?.caCertificateIdentifier } : {}),
        endpoint: `${address}:${port}`,
        outcome: await probeTls({
          engine: instance.engine,
          host: address,
          port,
          ...(pem !== undefined ? { ca: pem } : {}),
          timeoutMs: Math.min(config.database.connectTimeoutMs, 5000),
        }),
      });
    }
    return facts;
  });
  return { certificates, ...(trust ? { trust } : {}), instances, instanceAuthorities };
}
