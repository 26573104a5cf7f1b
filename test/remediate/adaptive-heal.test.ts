/**
 * The adaptive heal schedule end to end: the real SDK adapter against the ARM emulator over HTTPS, whose role
 * assignments take effect after a set propagation delay; the pipeline, the heal-check handler and the real notifier
 * posting to a local webhook server. Redeploy attempts on a backoff from the grant, each checked at once; the failed
 * attempts' own Event Grid events are the remediator's (no story, no message); one attempt in flight per app; the
 * attempts run out into `still-failing`; what a heal teaches the next one.
 */
import pino from 'pino';
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { handleHealCheck } from '../../src/heal-pipeline';
import { parseIncoming } from '../../src/intake';
import type { HealResult } from '../../src/model';
import { createNotifier, type Notifier } from '../../src/notify';
import { processItems, type PipelineDeps } from '../../src/pipeline';
import { encodeHealMessage, type HealScheduler, type HealTask } from '../../src/remediate';
import { readPropagationSamples, releaseAppHealLease, takeAppHealLease } from '../../src/remediate/heal-records';
import { startSink, type Sink } from '../notify/fixtures';
import { startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

const MIN = 60_000;
const SLACK_PATH = '/slack/services/T000/B000/XXXXSLACKSECRETXXXX';
const isAppWrite = (w: { method: string; path: string }) =>
  (w.method === 'PATCH' || w.method === 'PUT') && /\/providers\/Microsoft\.App\/containerApps\/[^/]+$/i.test(w.path);

/** A queue on the emulator's clock: messages kept with their due time, delivered by `deliverDue` in due order. */
class QueueOnClock implements HealScheduler {
  readonly durable = true;
  readonly messages: Array<{ text: string; dueMs: number }> = [];
  constructor(private readonly now: () => number) {}
  async schedule(task: HealTask, delayMs: number): Promise<void> {
    this.messages.push({ text: encodeHealMessage(task), dueMs: this.now() + delayMs });
  }
  /** Deliver every message (and the ones they schedule) to the heal-check handler, advancing the clock to each. */
  async deliverDue(e: E2E, deps: PipelineDeps): Promise<Array<{ atMs: number; heal: HealResult | undefined }>> {
    const out: Array<{ atMs: number; heal: HealResult | undefined }> = [];
    while (this.messages.length > 0) {
      this.messages.sort((a, b) => a.dueMs - b.dueMs);
      const m = this.messages.shift() as { text: string; dueMs: number };
      const wait = m.dueMs - this.now();
      if (wait > 0) e.emu.clock.advance(wait);
      out.push({ atMs: this.now(), heal: await handleHealCheck(m.text, deps) });
    }
    return out;
  }
}

interface Harness {
  t: E2E;
  sink: Sink;
  queue: QueueOnClock;
  deps: PipelineDeps & { notifier: Notifier };
}

let h: Harness | undefined;
afterEach(async () => {
  await Promise.allSettled([h?.t.stop(), h?.sink.stop()]);
  h = undefined;
});

async function start(propagationDelayMs: number, env: Record<string, string> = {}): Promise<Harness> {
  const t = await startE2E('missing-role', env, { propagationDelayMs });
  const sink = await startSink();
  const now = () => t.emu.clock.now().getTime();
  const queue = new QueueOnClock(now);
  const log = pino({ level: 'silent' });
  const notifier = createNotifier({
    transports: WEBHOOK_TRANSPORTS,
    slackWebhookUrl: `${sink.url}${SLACK_PATH}`,
    store: t.deps.store,
    clock: t.emu.clock,
    log,
    mode: 'auto-fix',
    digestWindowMs: 0,
  });
  const deps = { ...t.deps, scheduler: queue, log, notifier };
  return { t, sink, queue, deps };
}

/** The Slack messages posted so far, as their text. */
const posted = (sink: Sink): string[] => sink.received.map((r) => JSON.stringify(r.body));

it('propagation of 2.5 minutes: attempts 1 and 3 minutes after the grant, the second runs; one heal message says so', async () => {
  h = await start(2.5 * MIN);
  const { t, queue, deps, sink } = h;
  const [outcome] = await processItems([{ status: 'accepted', event: t.event }], deps);
  expect(outcome?.status).toBe('diagnosed');
  const grantedAtMs = t.emu.clock.now().getTime();
  expect(t.writes().filter(isAppWrite)).toHaveLength(0);
  expect(posted(sink)).toHaveLength(1); // the diagnosis message

  const steps = await queue.deliverDue(t, deps);
  expect(steps.map((s) => [s.heal?.status, s.atMs - grantedAtMs])).toEqual([
    ['pending', 1 * MIN],
    ['healed', 3 * MIN],
  ]);
  const healed = steps[1]?.heal;
  expect(healed).toMatchObject({ status: 'healed', attempts: 2 });
  // one app write per attempt: the failed attempt's revision, and the one that runs
  expect(t.writes().filter(isAppWrite)).toHaveLength(2);
  const rev = await t.deps.arm.getRevision(t.event.resourceId, healed?.revisionName ?? '');
  expect(rev?.runningState).toBe('Running');
  // no message for the failed attempt; the heal message says how long and how many attempts
  const messages = posted(sink);
  expect(messages).toHaveLength(2);
  expect(messages[1]).toMatch(/healed in \d+m \d+s, after 2 redeploy attempts/);
  // what this heal teaches the next one: propagation took more than 1 minute and at most 3
  expect(await readPropagationSamples(t.deps.store)).toEqual([{ afterMs: 1 * MIN, byMs: 3 * MIN }]);
});

it("the failed attempt's own Event Grid failure event starts no story and no message", async () => {
  h = await start(2.5 * MIN);
  const { t, queue, deps, sink } = h;
  await processItems([{ status: 'accepted', event: t.event }], deps);
  await queue.deliverDue(t, deps);
  // What ARM raised meanwhile, delivered through the real Event Grid intake.
  const items = parseIncoming(t.emu.drainEvents());
  const failures = items.filter((i) => i.status === 'accepted');
  expect(failures.length).toBeGreaterThanOrEqual(1);
  const outcomes = await processItems(failures, deps);
  expect(outcomes.map((o) => o.status)).toEqual(failures.map(() => 'ignored'));
  expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/own redeploy \(attempt 1 of the heal of event/) });
  // still the diagnosis message and the heal message only
  expect(posted(sink)).toHaveLength(2);
});

it('one attempt in flight per app: while another heal holds the app, the attempt waits its turn', async () => {
  h = await start(0);
  const { t, queue, deps } = h;
  await processItems([{ status: 'accepted', event: t.event }], deps);
  const now = t.emu.clock.now().getTime();
  expect(await takeAppHealLease(t.deps.store, t.event.resourceId, 'another-heal', now, now + 10 * MIN)).toBe(true);
  t.emu.clock.advance(MIN);
  const first = queue.messages.shift();
  const waiting = await handleHealCheck(first?.text, deps);
  expect(waiting).toMatchObject({ status: 'pending', detail: expect.stringMatching(/another redeploy of this app/) });
  expect(t.writes().filter(isAppWrite)).toHaveLength(0);
  await releaseAppHealLease(t.deps.store, t.event.resourceId, 'another-heal');
  const steps = await queue.deliverDue(t, deps);
  expect(steps.map((s) => s.heal?.status)).toEqual(['healed']);
  expect(t.writes().filter(isAppWrite)).toHaveLength(1);
});

it('attempts run out (REMEDIATOR_HEAL_MAX_ATTEMPTS=3, propagation of an hour): still-failing, said once', async () => {
  h = await start(60 * MIN, { REMEDIATOR_HEAL_MAX_ATTEMPTS: '3' });
  const { t, queue, deps, sink } = h;
  await processItems([{ status: 'accepted', event: t.event }], deps);
  const grantedAtMs = t.emu.clock.now().getTime();
  const steps = await queue.deliverDue(t, deps);
  expect(steps.map((s) => [s.heal?.status, (s.atMs - grantedAtMs) / MIN])).toEqual([
    ['pending', 1],
    ['pending', 3],
    ['still-failing', 7],
  ]);
  expect(steps[2]?.heal?.detail).toMatch(/^3 redeploy attempts over 420 s since the role was granted all failed/);
  expect(t.writes().filter(isAppWrite)).toHaveLength(3);
  const messages = posted(sink);
  expect(messages).toHaveLength(2);
  expect(messages[1]).toMatch(/still fails after the fix/);
});

it('fixed window (REMEDIATOR_HEAL_SCHEDULE=fixed-window): one redeploy after the whole window', async () => {
  h = await start(2.5 * MIN, { REMEDIATOR_HEAL_SCHEDULE: 'fixed-window' });
  const { t, queue, deps } = h;
  await processItems([{ status: 'accepted', event: t.event }], deps);
  const grantedAtMs = t.emu.clock.now().getTime();
  const steps = await queue.deliverDue(t, deps);
  expect(steps.map((s) => [s.heal?.status, (s.atMs - grantedAtMs) / MIN])).toEqual([
    ['pending', 10],
    ['healed', 11],
  ]);
  expect(steps[1]?.heal?.attempts).toBeUndefined();
  expect(t.writes().filter(isAppWrite)).toHaveLength(1);
});

it('later attempts ride on the budget unit of the first (REMEDIATOR_FIX_BUDGET_PER_HOUR=2: the grant and one heal)', async () => {
  h = await start(2.5 * MIN, { REMEDIATOR_FIX_BUDGET_PER_HOUR: '2' });
  const { t, queue, deps } = h;
  await processItems([{ status: 'accepted', event: t.event }], deps);
  const steps = await queue.deliverDue(t, deps);
  expect(steps.map((s) => s.heal?.status)).toEqual(['pending', 'healed']);
  expect(steps[1]?.heal?.attempts).toBe(2);
  expect(t.writes().filter(isAppWrite)).toHaveLength(2);
});
