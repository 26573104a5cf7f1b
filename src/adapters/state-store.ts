/** `createStore(config, log)`: Table Storage when storage is configured, else the in-memory fallback (warned). */
import type { TokenCredential } from '@azure/identity';
import type { Config } from '../config';
import { createMemoryStore } from '../store/memory-store';
import type { StateStore } from '../store/port';
import { createTableStore } from './table-store';

export interface CreateStoreOptions {
  /** Credential for `storage.kind = account-url` (default: DefaultAzureCredential with AZURE_CLIENT_ID). */
  credential?: TokenCredential;
  clock?: { now(): Date };
  retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Only read; never create tables (see TableStoreOptions.readOnly). */
  readOnly?: boolean;
  /** PEM of an extra CA to trust for the Table endpoint (a local HTTPS Azurite). */
  tlsCa?: string;
}

export async function createStore(
  config: Pick<Config, 'storage' | 'claimsTable' | 'auditTable' | 'azureClientId'>,
  log: { warn(obj: object, msg?: string): void },
  opts: CreateStoreOptions = {},
): Promise<StateStore> {
  const common = {
    claimsTable: config.claimsTable,
    auditTable: config.auditTable,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.retryOptions ? { retryOptions: opts.retryOptions } : {}),
    ...(opts.readOnly ? { readOnly: true } : {}),
    ...(opts.tlsCa !== undefined ? { tlsCa: opts.tlsCa } : {}),
  };
  switch (config.storage.kind) {
    case 'connection-string':
      return createTableStore({ ...common, connection: { connectionString: config.storage.connectionString } });
    case 'account-url': {
      const credential = opts.credential ?? (await defaultCredential(config.azureClientId));
      return createTableStore({ ...common, connection: { accountUrl: config.storage.accountUrl, credential } });
    }
    case 'memory':
      return createMemoryStore({ log, ...(opts.clock ? { clock: opts.clock } : {}) });
    default: {
      const never: never = config.storage;
      throw new Error(`unknown storage ${JSON.stringify(never)}`);
    }
  }
}

async function defaultCredential(clientId: string | undefined): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
