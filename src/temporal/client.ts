import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.ts';

/** TLS and API-key options for a Temporal cluster or Temporal Cloud; nothing for the local dev server. */
export function connectionOptions(config: Config) {
  const tls = config.TEMPORAL_TLS || config.TEMPORAL_TLS_CERT_PATH
    ? {
        clientCertPair: config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
          ? { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH) }
          : undefined,
      }
    : undefined;
  return { address: config.temporalAddress, tls, apiKey: config.TEMPORAL_API_KEY };
}

/** The API's client. Given the worker's NativeConnection (all roles in one process) it can start workflows eagerly. */
export async function createTemporalClient(config: Config, native?: NativeConnection): Promise<{ client: Client; close(): Promise<void> }> {
  if (native) return { client: new Client({ connection: native, namespace: config.TEMPORAL_NAMESPACE }), close: async () => {} };
  const connection = await Connection.connect(connectionOptions(config));
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), close: () => connection.close() };
}

export async function connectNative(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(config));
}
