/**
 * One remediator instance in its own OS process for the chaos runs: real SDK clients to the ARM emulator, the Table
 * store through the switchable storage proxy, the whole pipeline, then its due heal steps. At every checkpoint it
 * tells the parent (which may cut storage there); at CHAOS_KILL_AT it SIGKILLs itself (after CHAOS_KILL_DELAY_MS, so
 * `write:*` kills land while the ARM write is in flight). Output: one IPC message { outcomes, heal } or { error }.
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import { parseIncoming } from '../../src/intake';
import { staticTokenCredential } from '../../src/local/static-credential';
import { processItems } from '../../src/pipeline';
import { ClockedScheduler } from '../../src/remediate';
import { createWorkContext } from '../../src/work/work-context';

export interface ChaosChildInput {
  endpoint: string;
  caPath: string;
  connectionString: string;
  claimsTable: string;
  mode: 'dry-run' | 'auto-fix';
  batch: unknown;
  /** The instance's (fixed) clock. */
  now: string;
  killAt?: string;
  killDelayMs?: number;
}

async function main(): Promise<void> {
  const c = JSON.parse(process.env['CHAOS_CHILD'] ?? '{}') as ChaosChildInput;
  const log = pino({ level: 'silent' });
  let nowMs = Date.parse(c.now);
  const clock = { now: () => new Date(nowMs) };
  const config = loadConfig({
    REMEDIATOR_MODE: c.mode,
    ARM_ENDPOINT: c.endpoint,
    REMEDIATOR_STORAGE_CONNECTION: c.connectionString,
    REMEDIATOR_CLAIMS_TABLE: c.claimsTable,
    REMEDIATOR_AUDIT_TABLE: `${c.claimsTable}audit`,
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
    REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: '1',
    REMEDIATOR_INVOCATION_DEADLINE_SECONDS: '20',
  });
  const arm = createSdkArmPort({
    endpoint: c.endpoint,
    credential: staticTokenCredential(),
    tlsCa: readFileSync(c.caPath, 'utf8'),
    clock,
    log,
    retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
  const store = await createStore(config, log, { clock });
  const scheduler = new ClockedScheduler(clock);
  const checkpoint = async (step: string): Promise<void> => {
    await new Promise<void>((ack) => {
      const onMessage = (m: unknown): void => {
        if (m !== `ack:${step}`) return;
        process.off('message', onMessage);
        ack();
      };
      process.on('message', onMessage);
      process.send?.({ step });
    });
    if (step !== c.killAt) return;
    if (c.killDelayMs) setTimeout(() => process.kill(process.pid, 'SIGKILL'), c.killDelayMs);
    else process.kill(process.pid, 'SIGKILL');
  };
  const work = createWorkContext(config.invocationDeadlineMs, checkpoint);
  const deps = { arm, store, scheduler, clock, config, log, work };
  const outcomes = await processItems(parseIncoming(c.batch), deps);
  const runs = await scheduler.runDue((ms) => (nowMs += ms), deps);
  process.send?.({
    outcomes: outcomes.map((o) => ({
      eventId: o.eventId,
      status: o.status,
      reason: o.reason ?? '',
      actions: (o.actions ?? []).map((a) => `${a.type}:${a.status}`),
      heal: o.heal?.status ?? '',
    })),
    heal: runs.map((r) => r.result.status),
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.send?.({ error: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  },
);
