/**
 * One remediator instance in its own process for pipeline-concurrency.test.ts: its own SDK clients and caches, its
 * own Azurite client, the whole pipeline (processItems). It receives `deliveries` copies of the same batch at once,
 * redelivering a copy when the pipeline throws for retry (as Event Grid would). Input: env PIPELINE_CHILD (JSON).
 * Output: one IPC message { outcomes } or { error }.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createSdkArmPort } from '../../src/azure/sdk-arm';
import { loadConfig } from '../../src/config';
import { isTransientError } from '../../src/errors';
import { parseIncoming } from '../../src/intake';
import { processItems } from '../../src/pipeline';
import { ClockedScheduler } from '../../src/remediate';
import { createStore } from '../../src/store';

interface ChildInput {
  endpoint: string;
  caPath: string;
  connectionString: string;
  batch: unknown;
  now: string;
  deliveries: number;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.env['PIPELINE_CHILD'] ?? '{}') as ChildInput;
  const log = pino({ level: 'silent' });
  const clock = { now: () => new Date(c.now) };
  const config = loadConfig({
    REMEDIATOR_MODE: 'auto-fix',
    ARM_ENDPOINT: c.endpoint,
    REMEDIATOR_STORAGE_CONNECTION: c.connectionString,
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
  });
  const arm = createSdkArmPort({
    endpoint: c.endpoint,
    credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) },
    tlsCa: readFileSync(c.caPath, 'utf8'),
    clock,
    log,
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
  const store = await createStore(config, log);
  const deps = { arm, store, scheduler: new ClockedScheduler(clock), clock, config, log };
  await store.readCounter('warm-up', 'x');
  await new Promise<void>((go) => {
    process.on('message', (m) => m === 'go' && go());
    process.send?.('ready');
  });
  let retries = 0;
  const outcomes = await Promise.all(
    Array.from({ length: c.deliveries }, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await processItems(parseIncoming(c.batch), deps);
        } catch (err) {
          if (!isTransientError(err) || attempt >= 5) throw err;
          retries++;
        }
      }
    }),
  );
  process.send?.({
    retries,
    outcomes: outcomes.flat().map((o) => ({
      eventId: o.eventId,
      status: o.status,
      actions: (o.actions ?? []).map((a) => `${a.type}:${a.status}`),
    })),
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  },
);
