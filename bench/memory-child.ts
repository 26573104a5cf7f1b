/**
 * Child process of bench/memory.bench.ts (run with --expose-gc): sends mixed deliveries (90 % ignored) through the
 * intake (parseBody → parseEventGridDelivery) and the pipeline (dry-run, in-memory store) against the parent's ARM
 * emulator, and reports RSS / heap after a full GC at each checkpoint. Input: env MEMORY_BENCH (JSON).
 */
import { readFileSync } from 'node:fs';
import { createSdkArmPort } from '../src/adapters/sdk-arm';
import { loadConfig } from '../src/config';
import { isHandshake, parseBody, parseEventGridDelivery } from '../src/intake';
import { createLogger } from '../src/logging';
import { processItems } from '../src/pipeline';
import { ClockedScheduler } from '../src/remediate';
import { createMemoryStore } from '../src/store';

interface Input {
  endpoint: string;
  caPath: string;
  now: string;
  checkpoints: number[];
  /** JSON file: the events of one mixed delivery (ids `x-N`). */
  batchFile: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.env['MEMORY_BENCH'] ?? '{}') as Input;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const clock = { now: () => new Date(input.now) };
  const log = createLogger({ level: 'silent' });
  const config = loadConfig({ REMEDIATOR_MODE: 'dry-run', ARM_ENDPOINT: input.endpoint });
  const arm = createSdkArmPort({
    endpoint: input.endpoint,
    credential: { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) },
    tlsCa: readFileSync(input.caPath, 'utf8'),
    clock,
    log,
    retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
  const store = createMemoryStore({ clock });
  const deps = { arm, clock, log, config, store, scheduler: new ClockedScheduler(clock) };
  const template = JSON.parse(readFileSync(input.batchFile, 'utf8')) as unknown[];
  const texts = template.map((e) => JSON.stringify(e));
  const points: Array<{ events: number; rssMb: number; heapUsedMb: number; externalMb: number }> = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < 3; i++) gc();
  const m0 = process.memoryUsage();
  points.push({
    events: 0,
    rssMb: m0.rss / 2 ** 20,
    heapUsedMb: m0.heapUsed / 2 ** 20,
    externalMb: m0.external / 2 ** 20,
  });
  let sent = 0;
  const last = Math.max(...input.checkpoints);
  while (sent < last) {
    // Each delivery's events get fresh ids (the text is built as the sender would send it).
    const body = `[${texts.map((t, i) => t.replace(/"id":"x-\d+"/, `"id":"e-${sent + i}"`)).join(',')}]`;
    const parsed = parseBody(body, config.maxPayloadBytes);
    if (!parsed.ok) throw new Error(parsed.item.error);
    const items = parseEventGridDelivery(parsed.value);
    if (isHandshake(items)) throw new Error('handshake?');
    for (const o of await processItems(items, deps)) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    sent += items.length;
    if (input.checkpoints.includes(sent)) {
      for (let i = 0; i < 3; i++) gc();
      const m = process.memoryUsage();
      points.push({
        events: sent,
        rssMb: m.rss / 2 ** 20,
        heapUsedMb: m.heapUsed / 2 ** 20,
        externalMb: m.external / 2 ** 20,
      });
    }
  }
  const audit = (await store.listAudit()).length;
  process.send?.({ points, statuses, auditRecords: audit });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exit(1);
  },
);
