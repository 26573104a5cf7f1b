/**
 * The one composition root: `buildDeps(options)` picks the adapters (ARM over the SDK, the state store, the heal
 * scheduler, the notifier) for a config, and hands back the pipeline's deps. Used by the Functions entry
 * (src/runtime.ts), the local harness (src/local/harness.ts) and the CLI (src/cli/replay.ts).
 */
import type { TokenCredential } from '@azure/core-auth';
import type { Logger } from 'pino';
import { createSdkArmPort } from './adapters/sdk-arm';
import { createHealScheduler } from './adapters/queue-scheduler';
import { createStore, type CreateStoreOptions } from './adapters/state-store';
import { WEBHOOK_TRANSPORTS } from './adapters/webhook-sender';
import type { Config } from './config';
import type { Clock } from './model';
import { createNotifierFromConfig } from './notify';
import type { PipelineDeps } from './pipeline';
import type { HealScheduler } from './remediate';

export interface BuildDepsOptions {
  config: Readonly<Config>;
  log: Logger;
  clock: Clock;
  /** Credential for ARM (and, unless `queueCredential` says otherwise, nothing else). */
  credential: TokenCredential;
  /** ARM client details: an extra CA (the emulator's), SDK retries, the per-attempt time limit. */
  arm?: {
    tlsCa?: string;
    retryOptions?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
    requestTimeoutMs?: number;
  };
  /** Passed to `createStore` as given (credential for an account URL, the store's clock, retries). */
  storeOptions?: CreateStoreOptions;
  /** A scheduler to use (the harness's clocked one); default: the configured storage queue. */
  scheduler?: HealScheduler;
  /** Credential for the storage queue when it is reached by account URL (default: DefaultAzureCredential). */
  queueCredential?: TokenCredential;
  concurrency?: number;
}

/** Build the pipeline's deps from one config. Throws what the adapters throw (nothing is half-built silently). */
export async function buildDeps(o: BuildDepsOptions): Promise<PipelineDeps> {
  const { config, log, clock } = o;
  const arm = createSdkArmPort({
    endpoint: config.armEndpoint,
    credential: o.credential,
    log,
    clock,
    ...(o.arm?.tlsCa ? { tlsCa: o.arm.tlsCa } : {}),
    ...(o.arm?.retryOptions ? { retryOptions: o.arm.retryOptions } : {}),
    ...(o.arm?.requestTimeoutMs !== undefined ? { requestTimeoutMs: o.arm.requestTimeoutMs } : {}),
  });
  const store = await createStore(config, log, o.storeOptions ?? {});
  const scheduler =
    o.scheduler ?? (await createHealScheduler(config, log, o.queueCredential ? { credential: o.queueCredential } : {}));
  const notifier = createNotifierFromConfig(config, { store, clock, log, transports: WEBHOOK_TRANSPORTS });
  return {
    arm,
    clock,
    log,
    config,
    store,
    scheduler,
    ...(notifier ? { notifier } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
  };
}
