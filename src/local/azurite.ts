/**
 * Azurite's Table and Queue services, in-process, on 127.0.0.1 ephemeral ports, in-memory persistence (no files).
 *
 *   const az = await startAzurite();   // used by the demo, simulate, benchmarks and tests
 *   const store = createTableStore({ connectionString: az.connectionString, ... });
 *   ...
 *   await az.stop();
 */
/* eslint-disable @typescript-eslint/no-require-imports */

// Azurite ships no type declarations for its in-process servers: describe the little we use.
interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type ServerCtor = new (config: unknown) => AzuriteServer;
type ConfigCtor = new (...args: unknown[]) => unknown;

const TableServer = (require('azurite/dist/src/table/TableServer') as { default: ServerCtor }).default;
const TableConfiguration = (require('azurite/dist/src/table/TableConfiguration') as { default: ConfigCtor }).default;
const QueueServer = (require('azurite/dist/src/queue/QueueServer') as { default: ServerCtor }).default;
const QueueConfiguration = (require('azurite/dist/src/queue/QueueConfiguration') as { default: ConfigCtor }).default;

/** Azurite's well-known development account (public, documented; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface RunningAzurite {
  connectionString: string;
  tableEndpoint: string;
  queueEndpoint: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /**
   * Serve the Table service over HTTPS (PEM file paths) with Azurite's basic OAuth: bearer tokens are accepted when
   * they look like Entra ID tokens for storage (issuer, audience, lifetime; the signature is not checked) — how a
   * client's Entra ID wiring is tried locally. The Queue service stays plain HTTP with the account key.
   */
  tableTls?: { certPath: string; keyPath: string };
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<RunningAzurite> {
  const host = '127.0.0.1';
  // TableConfiguration(host, port, keepAliveTimeout, metadataDBPath, enableDebugLog, enableAccessLog, accessLogWriteStream,
  //   debugLogFilePath, loose, skipApiVersionCheck, cert, key, pwd, oauth, disableProductStyleUrl, isMemoryPersistence)
  const tableConfig = new TableConfiguration(
    host,
    0,
    5,
    ':memory:',
    false,
    false,
    undefined,
    undefined,
    true,
    true,
    opts.tableTls?.certPath ?? '',
    opts.tableTls?.keyPath ?? '',
    '',
    opts.tableTls ? 'basic' : undefined,
    false,
    true,
  );
  // QueueConfiguration(host, port, keepAliveTimeout, metadataDBPath, extentDBPath, persistencePathArray, enableAccessLog,
  //   accessLogWriteStream, enableDebugLog, debugLogFilePath, loose, skipApiVersionCheck, cert, key, pwd, oauth,
  //   disableProductStyleUrl, isMemoryPersistence, memoryStore)
  const queueConfig = new QueueConfiguration(
    host,
    0,
    5,
    ':memory:',
    ':memory:',
    [],
    false,
    undefined,
    false,
    undefined,
    true,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const table = new TableServer(tableConfig);
  const queue = new QueueServer(queueConfig);
  await table.start();
  try {
    await queue.start();
  } catch (err) {
    await table.close().catch(() => undefined);
    throw err;
  }
  const tableEndpoint = `${table.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const queueEndpoint = `${queue.getHttpServerAddress()}/${AZURITE_ACCOUNT}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};` +
    `TableEndpoint=${tableEndpoint};QueueEndpoint=${queueEndpoint};`;
  let stopped = false;
  return {
    connectionString,
    tableEndpoint,
    queueEndpoint,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await Promise.allSettled([table.close(), queue.close()]);
      await Promise.allSettled([table.clean(), queue.clean()]);
    },
  };
}
