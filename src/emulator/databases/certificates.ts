import { randomBytes, X509Certificate } from 'node:crypto';
import { chown, link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DatabaseError } from './errors.js';
import { writeFileAtomic } from './files.js';
import { run } from './run.js';
import type { TlsFiles } from './types.js';

/**
 * The emulator's own certificate authority and the server certificates it signs, made with the
 * `openssl` command. Every emulated database listens with TLS, as on RDS, so a client that connects
 * in plain text or does not verify the server is caught here and not on its first real instance.
 * Keys are ECDSA P-256: quick to generate (instances are created in tests by the dozen) and
 * accepted by every client that matters (libpq, node-postgres, JDBC, MariaDB Connector).
 */

export interface CertificateAuthority {
  /** The authority's certificate (PEM), the file clients trust. */
  caFile: string;
  /** The authority's private key, with its certificate, readable by the emulator's user only. */
  caKeyFile: string;
  /** Content of caFile, as served at /_emulator/ca.pem. */
  caPem: string;
}

const OPENSSL = 'openssl';
const CA_DAYS = 3650;
const SERVER_DAYS = 825;
const CURVE = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

const inProgress = new Map<string, Promise<CertificateAuthority>>();

/**
 * The authority kept in `dir` (a directory dedicated to it): created on first use, reused after,
 * so that clients that trust it keep trusting every instance across emulator restarts. Safe when
 * several callers (in one process or several) race: exactly one authority wins, and all use it.
 */
export function ensureAuthority(dir: string): Promise<CertificateAuthority> {
  let pending = inProgress.get(dir);
  if (!pending) {
    pending = loadOrCreateAuthority(dir).finally(() => inProgress.delete(dir));
    inProgress.set(dir, pending);
  }
  return pending;
}

async function loadOrCreateAuthority(dir: string): Promise<CertificateAuthority> {
  const keyFile = join(dir, 'ca-key-and-certificate.pem');
  const caFile = join(dir, 'ca.pem');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  let bundle = await readFile(keyFile, 'utf8').catch(() => undefined);
  if (bundle === undefined) {
    const work = await mkdtemp(join(dir, '.new-authority-'));
    try {
      const suffix = randomBytes(4).toString('hex');
      await run(OPENSSL, [
        'req',
        '-x509',
        '-new',
        ...CURVE,
        '-nodes',
        '-sha256',
        '-keyout',
        join(work, 'key.pem'),
        '-out',
        join(work, 'cert.pem'),
        '-days',
        String(CA_DAYS),
        '-subj',
        `/O=rds-broker emulator/CN=RDS emulator root CA ${suffix}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-addext',
        'subjectKeyIdentifier=hash',
      ]);
      const created = (await readFile(join(work, 'key.pem'), 'utf8')) + (await readFile(join(work, 'cert.pem'), 'utf8'));
      await writeFile(join(work, 'bundle.pem'), created, { mode: 0o600 });
      try {
        // link() publishes without ever replacing: if another process got there first, theirs stands.
        await link(join(work, 'bundle.pem'), keyFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    bundle = await readFile(keyFile, 'utf8');
  }
  const caPem = certificatesIn(bundle)[0];
  if (!caPem || !/PRIVATE KEY-----/.test(bundle)) {
    throw new DatabaseError(
      'Internal',
      `${keyFile} does not hold the authority's key and certificate; remove the directory ${dir} to create a new authority`,
    );
  }
  const current = await readFile(caFile, 'utf8').catch(() => undefined);
  if (current !== caPem) await writeFileAtomic(caFile, caPem, { mode: 0o644 });
  return { caFile, caKeyFile: keyFile, caPem };
}

/** What DescribeCertificates says of an authority: its SHA-1 thumbprint (lower-case hex) and validity. Pure. */
export function authorityFacts(pem: string): { thumbprint: string; validFrom: Date; validTill: Date } {
  const certificate = new X509Certificate(pem);
  return {
    thumbprint: certificate.fingerprint.replace(/:/g, '').toLowerCase(),
    validFrom: new Date(certificate.validFrom),
    validTill: new Date(certificate.validTo),
  };
}

function certificatesIn(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

/** subjectAltName entries for `names`, always with 127.0.0.1 and localhost; pure. */
export function subjectAltNames(names: readonly string[]): string[] {
  const entries = new Set<string>(['IP:127.0.0.1', 'DNS:localhost']);
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    if (isIP(name)) entries.add(`IP:${name}`);
    else if (/^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(name) && name.length <= 253) {
      entries.add(`DNS:${name}`);
    } else {
      throw new DatabaseError(
        'InvalidSpec',
        `${JSON.stringify(raw)} is neither a host name nor an IP address, so it cannot be a certificate name`,
      );
    }
  }
  return [...entries];
}

/**
 * A server certificate for `names` (plus 127.0.0.1 and localhost), signed by `authority`, written
 * to `dir` as server.crt and server.key. Re-issuing replaces both atomically. `keyOwner` hands the
 * key to the account the server runs as; it stays readable by that account only (PostgreSQL refuses
 * a key that others can read).
 */
export async function issueServerCertificate(
  authority: CertificateAuthority,
  dir: string,
  names: readonly string[] = [],
  options: { keyOwner?: { uid: number; gid: number } } = {},
): Promise<TlsFiles> {
  const altNames = subjectAltNames(names);
  const commonName = altNames.find((entry) => entry.startsWith('DNS:') && entry !== 'DNS:localhost')?.slice(4) ?? 'localhost';
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(join(dir, '.new-certificate-'));
  try {
    const extensions = [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${altNames.join(',')}`,
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
    ].join('\n');
    await writeFile(join(work, 'extensions.cnf'), `${extensions}\n`);
    await run(OPENSSL, [
      'req',
      '-new',
      ...CURVE,
      '-nodes',
      '-keyout',
      join(work, 'server.key'),
      '-out',
      join(work, 'server.csr'),
      '-subj',
      `/O=rds-broker emulator/CN=${commonName}`,
    ]);
    await run(OPENSSL, [
      'x509',
      '-req',
      '-in',
      join(work, 'server.csr'),
      '-CA',
      authority.caFile,
      '-CAkey',
      authority.caKeyFile,
      // A random serial per certificate: no shared serial file for concurrent issuers to fight over.
      '-set_serial',
      `0x${randomBytes(16)
        .toString('hex')
        .replace(/^[89a-f]/, '1')}`,
      '-days',
      String(SERVER_DAYS),
      '-sha256',
      '-extfile',
      join(work, 'extensions.cnf'),
      '-out',
      join(work, 'server.crt'),
    ]);
    const certFile = join(dir, 'server.crt');
    const keyFile = join(dir, 'server.key');
    if (options.keyOwner) await chown(join(work, 'server.key'), options.keyOwner.uid, options.keyOwner.gid);
    await rename(join(work, 'server.key'), keyFile);
    await rename(join(work, 'server.crt'), certFile);
    return { certFile, keyFile, caFile: authority.caFile };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
