import { RDSClient } from '@aws-sdk/client-rds';
import { buildConfig, type Config } from '../../src/config/load.js';
import { createBroker, type RunningBroker } from '../../src/broker/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { localConfigDocument, newLocalSecret } from '../../src/local/config.js';
import { ensureLocalParameterGroups } from '../../src/local/parameter-groups.js';
import { captureLog, startTestServer, type CapturedLog, type TestServer } from './http.js';

/**
 * The whole product on loopback for integration tests: the emulator (real PostgreSQL behind it),
 * the broker over real HTTP, and the real AWS SDK between them.
 */
export interface Stack {
  emulator: Awaited<ReturnType<typeof startEmulator>>;
  config: Config;
  broker: RunningBroker;
  server: TestServer;
  /** What the broker's use cases logged (the server's own lines are in server.captured). */
  brokerLog: CapturedLog;
  /** The test's own SDK client for the emulator: what a person in the console would do. */
  rds: RDSClient;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Emulator options (speed, visibility lag, …). */
  emulator?: Parameters<typeof startEmulator>[0];
  /** Changes to the configuration document before validation. */
  configure?: (document: Record<string, any>) => void;
  settleSeconds?: number;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const emulator = await startEmulator({
    speed: 0,
    region: 'eu-west-1',
    log: process.env.EMULATOR_LOG ? undefined : () => undefined,
    ...(options.emulator ?? {}),
  });
  try {
    const document = localConfigDocument({
      port: 0,
      emulatorUrl: emulator.url,
      caFile: emulator.caFile,
      username: 'platform',
      password: 'platform-password-for-tests',
      derivationSecret: newLocalSecret(),
      logLevel: 'debug',
    });
    options.configure?.(document);
    const config = buildConfig(document, {});
    const captured = captureLog();
    const broker = await createBroker(config, captured.log, { settleSeconds: options.settleSeconds ?? 60 });
    await ensureLocalParameterGroups(broker.deps.rds);
    const server = await startTestServer({ config, broker });
    const rds = new RDSClient({ region: config.aws.region, endpoint: emulator.url, credentials: config.aws.credentials!, maxAttempts: 5 });
    return {
      emulator,
      config,
      broker,
      server,
      brokerLog: captured,
      rds,
      stop: async () => {
        rds.destroy();
        await server.close();
        await broker.close();
        await emulator.stop();
      },
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}

/** Polls last_operation until it leaves "in progress"; returns every answer's description in order. */
export async function pollUntilDone(
  stack: Stack,
  instanceId: string,
  operation: string,
  limit = 600,
): Promise<{ state: string; description: string; descriptions: string[]; status: number }> {
  const descriptions: string[] = [];
  for (let i = 0; i < limit; i++) {
    const response = await stack.server.client.get(
      `/v2/service_instances/${instanceId}/last_operation?operation=${encodeURIComponent(operation)}`,
    );
    if (response.status === 410) return { state: 'gone', description: '', descriptions, status: 410 };
    if (response.status !== 200) throw new Error(`last_operation answered ${response.status}: ${response.text}`);
    const body = response.json as { state: string; description?: string };
    const description = body.description ?? '';
    if (descriptions[descriptions.length - 1] !== description) descriptions.push(description);
    if (body.state !== 'in progress') return { state: body.state, description, descriptions, status: 200 };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`operation ${operation} on ${instanceId} did not finish after ${limit} polls`);
}

/** Calls the emulator's admin API (faults, settle, hold …); throws on an error answer. */
export async function emulatorAdmin(stack: Stack, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${stack.emulator.url}/_emulator/${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator admin ${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
