import { RDSClient } from '@aws-sdk/client-rds';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/index.js';

/** An emulator without databases, at full speed, with no visibility lag unless asked. */
export function startModelEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ speed: 0, databases: 'none', visibilityLagMs: 0, log: () => undefined, ...options });
}

export function rdsClient(emulator: RunningEmulator, maxAttempts = 1): RDSClient {
  return new RDSClient({
    endpoint: emulator.url,
    region: emulator.region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
    maxAttempts,
  });
}

export async function admin(
  emulator: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: any; text: string }> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

export const baseInstance = {
  DBInstanceClass: 'db.t3.micro',
  Engine: 'postgres',
  MasterUsername: 'master',
  MasterUserPassword: 'master-password-1',
  AllocatedStorage: 20,
};

/** Polls `read` until `done` accepts its value; gives up after `limit` tries. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, limit = 500): Promise<T> {
  for (let i = 0; i < limit; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}
