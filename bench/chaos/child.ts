/**
 * One remediator instance in its own OS process for the chaos runs: real SDK clients to the ARM emulator, Table
 * Storage and the heal Storage Queue through the switchable loopback proxies, the whole pipeline (processItems) for
 * one delivery, then a small queue host: it drains the heal queue as the Functions queue trigger would (a failed
 * message becomes visible again; at its 5th dequeue it goes to the poison queue, which this host also reads).
 * At every checkpoint it tells the parent (which may cut storage there) and waits for its ack; at `killAt` (the
 * `killOccurrence`-th time that step is passed) it SIGKILLs itself, after `killDelayMs` when given, so a `write:*` kill
 * lands while the ARM write is in flight. Output: one IPC message { outcomes, heal } or { error }.
 */
import { readFileSync } from 'node:fs';
import { QueueClient } from '@azure/storage-queue';
import pino from 'pino';
import { createSdkArmPort } from '../../src/adapters/sdk-arm';
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { QueueHealScheduler } from '../../src/adapters/queue-scheduler';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import { describeErrorMessage } from '../../src/errors';
import { handleHealCheck, handleHealPoison } from '../../src/heal-pipeline';
import { parseIncoming } from '../../src/intake';
import { createNotifierFromConfig } from '../../src/notify';
import { staticTokenCredential } from '../../src/local/static-credential';
import type { Outcome } from '../../src/model';
import { processItems } from '../../src/pipeline';
import { createWorkContext } from '../../src/work/work-context';

export interface ChaosChildInput {
  endpoint: string;
  caPath: string;
  /** Table and Queue endpoints through the proxies. */
  connectionString: string;
  claimsTable: string;
  healQueue: string;
  mode: 'dry-run' | 'auto-fix';
  batch: unknown;
  /** The instance's (fixed) clock: a redelivery comes later than any lease. */
  now: string;
  killAt?: string;
  /** Which passage of `killAt` (1 = the first). */
  killOccurrence?: number;
  killDelayMs?: number;
  /** Do not drain the heal queue (a redelivery racing the first delivery). */
  noHeal?: boolean;
  /** Tell the team (a Teams webhook, the parent's sink): outcomes, heal follow-ups, abandonments. */
  teamsWebhookUrl?: string;
}

export interface ChaosChildOutput {
  outcomes?: Array<{ eventId: string; status: string; reason: string; actions: string[]; heal: string }>;
  heal?: string[];
  /** The heal steps' details (e.g. what an abandonment closed). */
  healDetails?: string[];
  error?: string;
  steps?: string[];
}

const MAX_DEQUEUE = 5;
const VISIBILITY_S = 2;

async function main(c: ChaosChildInput): Promise<void> {
  const log = pino({ level: 'silent' });
  const nowMs = Date.parse(c.now);
  const clock = { now: () => new Date(nowMs) };
  const config = loadConfig({
    REMEDIATOR_MODE: c.mode,
    ARM_ENDPOINT: c.endpoint,
    REMEDIATOR_STORAGE_CONNECTION: c.connectionString,
    REMEDIATOR_CLAIMS_TABLE: c.claimsTable,
    REMEDIATOR_AUDIT_TABLE: `${c.claimsTable}audit`,
    REMEDIATOR_HEAL_QUEUE: c.healQueue,
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
    // The redeploy runs at once (the adaptive schedule waits minutes of real queue visibility).
    REMEDIATOR_HEAL_SCHEDULE: 'fixed-window',
    REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: '0',
    REMEDIATOR_INVOCATION_DEADLINE_SECONDS: '20',
    ...(c.teamsWebhookUrl ? { TEAMS_WEBHOOK_URL: c.teamsWebhookUrl } : {}),
  });
  const arm = createSdkArmPort({
    endpoint: c.endpoint,
    credential: staticTokenCredential(),
    tlsCa: readFileSync(c.caPath, 'utf8'),
    clock,
    log,
    retryOptions: { maxRetries: 1, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
  });
  const store = await createStore(config, log, {
    clock,
    retryOptions: { maxRetries: 1, retryDelayInMs: 20, maxRetryDelayInMs: 50 },
  });
  const queue = new QueueClient(c.connectionString, c.healQueue, { retryOptions: { maxTries: 2, retryDelayInMs: 20 } });
  const poison = new QueueClient(c.connectionString, `${c.healQueue}-poison`, {
    retryOptions: { maxTries: 2, retryDelayInMs: 20 },
  });
  const scheduler = new QueueHealScheduler(queue);
  const passed = new Map<string, number>();
  const steps: string[] = [];
  const checkpoint = async (step: string): Promise<void> => {
    steps.push(step);
    const n = (passed.get(step) ?? 0) + 1;
    passed.set(step, n);
    await new Promise<void>((ack) => {
      const onMessage = (m: unknown): void => {
        if (m !== `ack:${step}`) return;
        process.off('message', onMessage);
        ack();
      };
      process.on('message', onMessage);
      process.send?.({ step });
    });
    if (step !== c.killAt || n !== (c.killOccurrence ?? 1)) return;
    if (c.killDelayMs) setTimeout(() => process.kill(process.pid, 'SIGKILL'), c.killDelayMs);
    else process.kill(process.pid, 'SIGKILL');
  };
  const notifier = createNotifierFromConfig(config, { store, clock, log, transports: WEBHOOK_TRANSPORTS });
  const deps = { arm, store, scheduler, clock, config, log, ...(notifier ? { notifier } : {}) };
  let outcomes: Outcome[] = [];
  let error: string | undefined;
  try {
    outcomes = await processItems(parseIncoming(c.batch), {
      ...deps,
      work: createWorkContext(config.invocationDeadlineMs, checkpoint),
    });
  } catch (err) {
    error = describeErrorMessage(err); // transient: Event Grid would deliver again
  }
  const heal: string[] = [];
  const healDetails: string[] = [];
  if (!c.noHeal) {
    // The queue host: until both queues stay empty (bounded).
    const until = Date.now() + 20_000;
    await queue.createIfNotExists();
    await poison.createIfNotExists();
    while (Date.now() < until) {
      const [got] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: VISIBILITY_S }))
        .receivedMessageItems;
      const [bad] = got ? [] : (await poison.receiveMessages({ numberOfMessages: 1 })).receivedMessageItems;
      if (!got && !bad) {
        const props = await queue.getProperties();
        if ((props.approximateMessagesCount ?? 0) === 0) break;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const hdeps = { ...deps, work: createWorkContext(config.invocationDeadlineMs, checkpoint) };
      try {
        if (bad) {
          const r = await handleHealPoison(bad.messageText, hdeps);
          if (r) heal.push('abandoned');
          if (r?.detail) healDetails.push(r.detail);
          await poison.deleteMessage(bad.messageId, bad.popReceipt);
        } else if (got && got.dequeueCount >= MAX_DEQUEUE) {
          // As the host does on the last failed delivery: move the message to the poison queue.
          await poison.sendMessage(got.messageText);
          await queue.deleteMessage(got.messageId, got.popReceipt);
          await checkpoint('heal-poisoned');
        } else if (got) {
          const r = await handleHealCheck(got.messageText, hdeps);
          if (r) heal.push(r.status);
          if (r?.detail) healDetails.push(r.detail);
          await queue.deleteMessage(got.messageId, got.popReceipt);
        }
      } catch {
        // thrown: the message becomes visible again after its visibility timeout (delivered again)
      }
    }
  }
  // Heal follow-ups coalesced into a digest are sent now (as the digest timer would).
  await notifier?.flushDigests({ closeAll: true }).catch(() => undefined);
  process.send?.({
    ...(error ? { error } : {}),
    steps,
    outcomes: outcomes.map((o) => ({
      eventId: o.eventId,
      status: o.status,
      reason: o.reason ?? '',
      actions: (o.actions ?? []).map((a) => `${a.type}:${a.status}`),
      heal: o.heal?.status ?? '',
    })),
    heal,
    healDetails,
  } satisfies ChaosChildOutput);
}

function run(input: ChaosChildInput): void {
  main(input).then(
    () => process.exit(0),
    (err: unknown) => {
      process.send?.({ error: describeErrorMessage(err) } satisfies ChaosChildOutput);
      process.exit(1);
    },
  );
}

// Started ahead (a warm instance): loaded, it says `ready` and waits for its delivery. Without IPC (the code-cache
// warm-up of bench/chaos/boot.js) it only loads.
const given = process.env['CHAOS_CHILD'];
if (given) run(JSON.parse(given) as ChaosChildInput);
else if (process.send) {
  const onGo = (m: unknown): void => {
    if (typeof m !== 'object' || m === null || !('go' in m)) return;
    process.off('message', onGo);
    run((m as { go: ChaosChildInput }).go);
  };
  process.on('message', onGo);
  process.send('ready');
}
