import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestAuthority {
  caPem: string;
  caFile: string;
  caKeyFile: string;
}

export interface ServerCertificate {
  certFile: string;
  keyFile: string;
}

/** A throw-away certificate authority made with the openssl command, as an operator would. */
export async function createAuthority(dir: string, name: string): Promise<TestAuthority> {
  const caKeyFile = join(dir, `${name}.key`);
  const caFile = join(dir, `${name}.pem`);
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    caKeyFile,
    '-out',
    caFile,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { caPem: await readFile(caFile, 'utf8'), caFile, caKeyFile };
}

/** A server certificate signed by `ca` whose names are exactly `altNames` (e.g. IP:127.0.0.1, DNS:localhost). */
export async function issueServerCertificate(dir: string, ca: TestAuthority, altNames: string[]): Promise<ServerCertificate> {
  const keyFile = join(dir, 'server.key');
  const csrFile = join(dir, 'server.csr');
  const certFile = join(dir, 'server.crt');
  const extFile = join(dir, 'server.ext');
  await writeFile(
    extFile,
    `${[
      `subjectAltName=${altNames.join(',')}`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ].join('\n')}\n`,
  );
  await run('openssl', [
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    '/CN=database',
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.caFile,
    '-CAkey',
    ca.caKeyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    extFile,
  ]);
  return { certFile, keyFile };
}
