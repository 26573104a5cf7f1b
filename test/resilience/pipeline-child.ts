/**
 * One remediator instance in its own process for pipeline-concurrency.test.ts: its own SDK clients and caches, its
 * own Azurite client, the whole pipeline (processItems). It receives `deliveries` copies of the same batch at once,
 * redelivering a copy when the pipeline throws for retry (as Event Grid would). Input: env PIPELINE_CHILD (JSON).
 * Output: one IPC message { outcomes } or { error }.
 */
import { parseIncoming } from '../../src/intake';
import { processItems } from '../../src/pipeline';
import { connectInstance, retryTransient } from '../helpers/instance-deps';

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
  const deps = await connectInstance(c);
  const { store } = deps;
  await store.readCounter('warm-up', 'x');
  await new Promise<void>((go) => {
    process.on('message', (m) => m === 'go' && go());
    process.send?.('ready');
  });
  let retries = 0;
  const outcomes = await Promise.all(
    Array.from({ length: c.deliveries }, async () => {
      return retryTransient(
        () => processItems(parseIncoming(c.batch), deps),
        () => retries++,
      );
    }),
  );
  process.send?.({
    retries,
    outcomes: outcomes.flat().map((o) => ({
      eventId: o.eventId,
      status: o.status,
      reason: o.reason ?? '',
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
