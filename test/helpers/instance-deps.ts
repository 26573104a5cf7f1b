/**
 * The dependencies of one remediator instance (as a Function instance would build them) connected to a shared ARM
 * emulator and a shared Azurite, on a fixed clock, in auto-fix with no propagation wait: what every child process of
 * the multi-process tests runs.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { loadConfig } from '../../src/config';
import { isTransientError } from '../../src/errors';
import { staticTokenCredential } from '../../src/local/static-credential';
import { ClockedScheduler } from '../../src/remediate';
import { createStore } from '../../src/adapters/state-store';

export interface SharedServers {
  endpoint: string;
  caPath: string;
  connectionString: string;
  /** ISO time of the instance's fixed clock. */
  now: string;
}

export async function connectInstance(s: SharedServers) {
  const log = pino({ level: 'silent' });
  const clock = { now: () => new Date(s.now) };
  const config = loadConfig({
    REMEDIATOR_MODE: 'auto-fix',
    ARM_ENDPOINT: s.endpoint,
    REMEDIATOR_STORAGE_CONNECTION: s.connectionString,
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
    // redeploy at once (the fixed window of 0): these tests are about exactly-once, not the heal schedule
    REMEDIATOR_HEAL_SCHEDULE: 'fixed-window',
  });
  const arm = createSdkArmPort({
    endpoint: s.endpoint,
    credential: staticTokenCredential(),
    tlsCa: readFileSync(s.caPath, 'utf8'),
    clock,
    log,
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
  const store = await createStore(config, log);
  const scheduler = new ClockedScheduler(clock);
  return { arm, store, scheduler, clock, config, log };
}

/**
 * Run `work` again while it fails transiently (a live lease elsewhere, a storage blip), as Event Grid redelivers:
 * growing pauses up to 1 s, at most 60 attempts.
 */
export async function retryTransient<T>(work: () => Promise<T>, onRetry?: () => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isTransientError(err) || attempt >= 60) throw err;
      onRetry?.();
      await new Promise((r) => setTimeout(r, Math.min(1000, 50 * attempt)));
    }
  }
}
