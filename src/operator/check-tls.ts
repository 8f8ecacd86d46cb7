import type { Config } from '../config/load.js';
import type { Finding, Lookup } from './check.js';

/**
 * `rds-broker check`, the database TLS part: does the CA bundle hold the authorities RDS says the
 * broker's databases use, and does a real connection to one of its instances verify with it. Pure:
 * check-run.ts reads the bundle, asks RDS and connects.
 *
 * How a bundle certificate is matched with what RDS reports: DescribeCertificates gives no
 * certificate, only an identifier, a Thumbprint and the validity period. The thumbprint is compared
 * first: it is the SHA-1 of the certificate's DER (40 hex digits, what `openssl x509 -fingerprint
 * -sha1` prints), which identifies one certificate exactly. RDS does not document that formula,
 * though, and a check that fails every correct bundle would be worse than none, so a certificate
 * whose validity period equals RDS's to the second is accepted too, and the finding says it matched
 * by validity only. The connection to a live instance, when there is one, settles it either way.
 */

/** One authority as DescribeCertificates reports it. */
export interface AuthorityFact {
  identifier: string;
  thumbprint?: string;
  validFrom?: Date;
  validTill?: Date;
}

export interface CertificatesFact {
  authorities: AuthorityFact[];
  /** DefaultCertificateForNewLaunches: what an instance created without CACertificateIdentifier gets. */
  defaultForNewLaunches?: string;
}

/** One certificate of the trusted bundle. */
export interface BundleCertificate {
  /** SHA-1 of the DER, lower-case hex. */
  thumbprint: string;
  validFrom: Date;
  validTill: Date;
  subject: string;
}

/** What the broker trusts when it verifies a database: the configured file, or Node.js's own store. */
export interface TrustFact {
  /** The file named by database.tls.caBundleFile; absent: Node.js's built-in authorities. */
  file?: string;
  certificates: BundleCertificate[];
}

/** A TLS handshake with one of the broker's instances, verified as the broker verifies. */
export type ConnectionOutcome =
  | { state: 'verified' }
  | { state: 'refused'; reason: string }
  /** No TLS conversation took place (network, firewall, timeout): the certificate was not seen. */
  | { state: 'unreachable'; reason: string }
  /** The engine has no TLS probe here. */
  | { state: 'not-checked'; reason: string };

export interface InstanceConnectionFact {
  identifier: string;
  engine: string;
  caCertificateIdentifier?: string;
  endpoint: string;
  outcome: ConnectionOutcome;
}

export interface TlsFacts {
  certificates: Lookup<CertificatesFact>;
  /** Undefined when the bundle could not be read (fileFindings reports that). */
  trust?: TrustFact;
  /** The broker's instances that were connected to (one per authority); undefined when not looked up. */
  instances?: Lookup<InstanceConnectionFact[]>;
  /** Every authority the broker's existing instances name, with how many use each. */
  instanceAuthorities?: ReadonlyMap<string, number>;
}

const BUNDLE = 'database.tls.caBundleFile';

/** How a certificate of the bundle was matched with an authority RDS reports; undefined when none was. */
export function matchAuthority(authority: AuthorityFact, bundle: readonly BundleCertificate[]): 'thumbprint' | 'validity' | undefined {
  const thumbprint = authority.thumbprint?.replace(/[^0-9a-f]/gi, '').toLowerCase();
  if (thumbprint && bundle.some((c) => c.thumbprint === thumbprint)) return 'thumbprint';
  const seconds = (d: Date | undefined) => (d === undefined ? undefined : Math.floor(d.getTime() / 1000));
  const from = seconds(authority.validFrom);
  const till = seconds(authority.validTill);
  if (from !== undefined && till !== undefined && bundle.some((c) => seconds(c.validFrom) === from && seconds(c.validTill) === till)) {
    return 'validity';
  }
  return undefined;
}

/** The fix for a bundle that cannot verify the databases: where RDS's bundle is, and the emulator's authority. */
export function bundleFix(config: Pick<Config, 'aws'>): string {
  const region = config.aws.region;
  const rds = `RDS's bundle for ${region} (https://truststore.pki.rds.amazonaws.com/${region}/${region}-bundle.pem, or global-bundle.pem for every region)`;
  const emulator = config.aws.endpoint
    ? `; against \`rds-broker emulator\`, the ca.pem it prints at start (also served at ${config.aws.endpoint.replace(/\/+$/, '')}/_emulator/ca.pem)`
    : '';
  return `point ${BUNDLE} at ${rds}${emulator}`;
}

function trustName(trust: TrustFact): string {
  return trust.file ?? `Node.js's built-in authorities (${BUNDLE} is not set)`;
}

/** Which authority each plan's instances get: the one it names, else RDS's default for new launches. */
function planAuthorities(config: Pick<Config, 'catalog'>, defaultId: string | undefined): Map<string, string[]> {
  const byAuthority = new Map<string, string[]>();
  for (const service of config.catalog.services) {
    for (const plan of service.plans) {
      const id = plan.rds.caCertificateIdentifier ?? defaultId;
      if (id === undefined) continue;
      byAuthority.set(id, [...(byAuthority.get(id) ?? []), plan.name]);
    }
  }
  return byAuthority;
}

function validity(a: AuthorityFact): string {
  return [
    a.thumbprint ? `thumbprint ${a.thumbprint}` : undefined,
    a.validTill ? `valid till ${a.validTill.toISOString().slice(0, 10)}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}

export function tlsFindings(config: Pick<Config, 'catalog' | 'aws' | 'database'>, facts: TlsFacts): Finding[] {
  if (config.database.tls.allowPlaintext) {
    return [{ path: 'database.tls.allowPlaintext', ok: true, message: 'TLS to databases is off: no authority is checked' }];
  }
  const findings: Finding[] = [];
  const region = config.aws.region;
  const certificates = facts.certificates.state === 'found' ? facts.certificates.value : undefined;
  const known = new Map((certificates?.authorities ?? []).map((a) => [a.identifier.toLowerCase(), a]));

  // A plan's authority must be one RDS offers in this region, or every create is refused.
  if (certificates) {
    config.catalog.services.forEach((service, s) => {
      service.plans.forEach((plan, p) => {
        const id = plan.rds.caCertificateIdentifier;
        if (id === undefined || known.has(id.toLowerCase())) return;
        findings.push({
          path: `catalog.services[${s}].plans[${p}].rds.caCertificateIdentifier`,
          ok: false,
          message: `RDS in ${region} offers no certificate authority ${id} (plan ${plan.name}); DescribeCertificates lists ${[...known.keys()].join(', ') || 'none'}`,
        });
      });
    });
  }

  // Each authority the databases use, from the plans and the instances that exist, must be trusted.
  const trust = facts.trust;
  if (certificates && trust) {
    const users = new Map<string, string[]>();
    for (const [id, plans] of planAuthorities(config, certificates.defaultForNewLaunches)) {
      users.set(id.toLowerCase(), [`plan${plans.length === 1 ? '' : 's'} ${plans.join(', ')}`]);
    }
    for (const [id, count] of facts.instanceAuthorities ?? []) {
      const key = id.toLowerCase();
      users.set(key, [...(users.get(key) ?? []), `${count} existing instance${count === 1 ? '' : 's'}`]);
    }
    for (const [id, who] of users) {
      const authority = known.get(id);
      if (!authority) continue; // reported above for plans; an instance's authority RDS no longer lists cannot be compared
      const how = matchAuthority(authority, trust.certificates);
      const whose = `the authority RDS gives ${who.join(' and ')}`;
      findings.push(
        how
          ? {
              path: BUNDLE,
              ok: true,
              message: `${trustName(trust)} holds ${authority.identifier}, ${whose}${how === 'validity' ? ' (matched by validity period: no thumbprint matched)' : ''}`,
            }
          : {
              path: BUNDLE,
              ok: false,
              message: `${trustName(trust)} holds no certificate of ${authority.identifier} (${validity(authority)}), ${whose}: the broker could not verify those databases and provisioning would wait, in progress, until the platform gives up. Fix: ${bundleFix(config)}`,
            },
      );
    }
  }

  const instances = facts.instances?.state === 'found' ? facts.instances.value : [];
  for (const instance of instances) {
    const what = `instance ${instance.identifier} (${instance.engine} at ${instance.endpoint}${instance.caCertificateIdentifier ? `, ${instance.caCertificateIdentifier}` : ''})`;
    const outcome = instance.outcome;
    const trusted = trust ? trustName(trust) : (config.database.tls.caBundleFile ?? "Node.js's built-in authorities");
    switch (outcome.state) {
      case 'verified':
        findings.push({ path: BUNDLE, ok: true, message: `a TLS connection to ${what} verified with ${trusted}` });
        break;
      case 'refused':
        findings.push({
          path: BUNDLE,
          ok: false,
          message: `a TLS connection to ${what} failed verification with ${trusted}: ${outcome.reason}. Fix: ${bundleFix(config)}`,
        });
        break;
      // Not a failure: check may run where the broker's network is not (a laptop outside the VPC).
      case 'unreachable':
        findings.push({
          path: BUNDLE,
          ok: true,
          message: `${what} is not reachable from here (${outcome.reason}); its certificate was not checked`,
        });
        break;
      case 'not-checked':
        findings.push({ path: BUNDLE, ok: true, message: `${what}: ${outcome.reason}` });
        break;
    }
  }
  return findings;
}
