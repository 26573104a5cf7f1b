/**
 * The notifier against real local HTTP servers standing in for the Teams and Slack webhooks: delivery, Retry-After,
 * 5xx retries, storms collapsing into one message + one digest (across two notifier instances sharing one store),
 * outbox and later flush, and logs free of webhook URLs.
 */
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  createNotifier,
  flushOutbox,
  type Notifier,
  type NotifierOptions,
  type SlackMessage,
  type TeamsMessage,
} from '../../src/notify';
import { createMemoryStore } from '../../src/store/memory-store';
import type { StateStore } from '../../src/store/port';
import {
  createFakeTime,
  createManualClock,
  makeEvent,
  makeOutcome,
  NOTIFIED_KINDS,
  startSink,
  type Sink,
} from './fixtures';
import { checkSlackLimits, validateTeams } from './validate';

const SECRET =
  'workflows/9f8e7d6c5b4a/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers&sv=1.0&sig=S3CR3T-SIGNATURE';
const SLACK_SECRET = 'services/T000/B000/XXXXSLACKSECRETXXXX';

function captureLogger(): { log: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  // A plain pino logger WITHOUT any scrubbing: the notifier itself must never log a URL.
  return { log: pino({ level: 'debug' }, stream), lines };
}

/** Options for one notifier; `drop` leaves one channel unconfigured. */
type Extra = Partial<NotifierOptions> & { drop?: 'teams' | 'slack' };

function optionsWith(base: NotifierOptions, extra: Extra): NotifierOptions {
  const { drop, ...rest } = extra;
  const o: NotifierOptions = { ...base, ...rest };
  if (drop === 'teams') delete o.teamsWebhookUrl;
  if (drop === 'slack') delete o.slackWebhookUrl;
  return o;
}

interface Setup {
  sink: Sink;
  store: StateStore;
  clock: ReturnType<typeof createManualClock>;
  time: ReturnType<typeof createFakeTime>;
  lines: string[];
  make: ((extra?: Extra) => Notifier) & { opts: NotifierOptions };
}

async function setup(): Promise<Setup> {
  const time = createFakeTime();
  const sink = await startSink({ now: time.now });
  const clock = createManualClock();
  const store = createMemoryStore({ clock });
  const { log, lines } = captureLogger();
  const opts: NotifierOptions = {
    transports: WEBHOOK_TRANSPORTS,
    teamsWebhookUrl: `${sink.url}/teams/${SECRET}`,
    slackWebhookUrl: `${sink.url}/slack/${SLACK_SECRET}`,
    store,
    clock,
    log,
    mode: 'auto-fix',
    digestWindowMs: 60_000,
    sleep: time.sleep,
    monotonicNow: time.now,
    random: () => 0.5,
  };
  const make = Object.assign((extra: Extra = {}) => createNotifier(optionsWith(opts, extra)), { opts });
  return { sink, store, clock, time, lines, make };
}

const isTeams = (p: string): boolean => p.startsWith('/teams/');
const isSlack = (p: string): boolean => p.startsWith('/slack/');

describe('createNotifier', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup();
  });
  afterEach(async () => {
    await s.sink.stop();
  });

  it('posts one Adaptive Card to Teams and one Block Kit message to Slack', async () => {
    const n = s.make();
    const outcome = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });
    const r = await n.notify(outcome, makeEvent(outcome.eventId));
    expect(r.status).toBe('sent');
    expect(r.deliveries.map((d) => `${d.channel}:${d.status}:${d.attempts}`).sort()).toEqual([
      'slack:delivered:1',
      'teams:delivered:1',
    ]);
    const teams = s.sink.received.filter((q) => isTeams(q.path));
    const slack = s.sink.received.filter((q) => isSlack(q.path));
    expect(teams).toHaveLength(1);
    expect(slack).toHaveLength(1);
    expect(teams[0]!.path).toBe(`/teams/${SECRET}`);
    expect(teams[0]!.body).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5' } },
      ],
    });
    const slackBody = slack[0]!.body as { text: string; blocks: Array<{ type: string }> };
    expect(slackBody.blocks[0]!.type).toBe('header');
    expect(slackBody.text).toContain(outcome.diagnosis!.summary.slice(0, 30));
  });

  it('every diagnosis kind, in both modes, arrives at both webhooks as a valid card and within Slack limits', async () => {
    const n = s.make({ digestWindowMs: 0 });
    for (const mode of ['dry-run', 'auto-fix'] as const) {
      for (const kind of NOTIFIED_KINDS) {
        const outcome = makeOutcome(kind, { mode, eventId: `${mode}-${kind}` });
        const r = await n.notify(outcome, makeEvent(outcome.eventId));
        expect(r.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
      }
    }
    const teams = s.sink.received.filter((q) => isTeams(q.path));
    const slack = s.sink.received.filter((q) => isSlack(q.path));
    expect(teams).toHaveLength(NOTIFIED_KINDS.length * 2);
    expect(slack).toHaveLength(NOTIFIED_KINDS.length * 2);
    for (const q of teams) expect(validateTeams(q.body as TeamsMessage).problems).toEqual([]);
    for (const q of slack) checkSlackLimits(q.body as SlackMessage);
    // Each kind's own diagnosis reached the channel.
    for (const kind of NOTIFIED_KINDS)
      expect(teams.some((q) => JSON.stringify(q.body).includes(`Test diagnosis for ${kind}:`))).toBe(true);
  });

  it('skips outcomes that are not diagnosed failures', async () => {
    const n = s.make();
    expect((await n.notify({ eventId: 'x', status: 'duplicate' })).status).toBe('skipped');
    const unrelated = makeOutcome('unknown');
    unrelated.diagnosis!.kind = 'unrelated';
    expect((await n.notify(unrelated)).status).toBe('skipped');
    expect(s.sink.attempts).toHaveLength(0);
  });

  it('honours 429 Retry-After (waits exactly that long, through the injected sleep) and then delivers', async () => {
    s.sink.script('/slack/', [{ status: 429, headers: { 'retry-after': '3' }, body: 'rate_limited' }]);
    s.sink.script('/teams/', [{ status: 429, headers: { 'Retry-After': '2' } }]);
    const n = s.make();
    const r = await n.notify(makeOutcome('acr-pull/missing-role'));
    expect(r.deliveries.map((d) => `${d.channel}:${d.status}:${d.attempts}`).sort()).toEqual([
      'slack:delivered:2',
      'teams:delivered:2',
    ]);
    expect(s.time.waits).toEqual(expect.arrayContaining([3000, 2000]));
    expect(s.time.waits.filter((w) => w > 0).sort()).toEqual([2000, 3000]);
    expect(s.sink.attempts.filter((q) => isSlack(q.path))).toHaveLength(2);
    // The retry came no earlier than Retry-After said.
    const slackTimes = s.sink.attempts.filter((q) => isSlack(q.path)).map((q) => q.at!);
    expect(slackTimes[1]! - slackTimes[0]!).toBeGreaterThanOrEqual(3000);
  });

  it('retries 5xx with exponential backoff and jitter, then delivers', async () => {
    s.sink.script('/teams/', [{ status: 502 }, { status: 503 }]);
    const n = s.make({ drop: 'slack', baseDelayMs: 400 });
    const r = await n.notify(makeOutcome('acr-pull/missing-role'));
    expect(r.deliveries).toEqual([{ channel: 'teams', status: 'delivered', attempts: 3 }]);
    // random()=0.5 → half the cap fixed + half of the other half: 400·2^(n-1)·0.75
    expect(s.time.waits).toEqual([300, 600]);
    expect(s.sink.attempts).toHaveLength(3);
    expect(s.sink.received).toHaveLength(1);
  });

  it('a Retry-After too long to wait in-line sends this and the next messages to the outbox without more requests', async () => {
    s.sink.script('/slack/', [{ status: 429, headers: { 'retry-after': '120' } }]);
    const n = s.make({ digestWindowMs: 0, drop: 'teams' });
    const first = await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'r1' }));
    expect(first.deliveries[0]).toMatchObject({ channel: 'slack', status: 'outboxed', attempts: 1 });
    const second = await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'r2', app: 'api' }));
    expect(second.deliveries[0]).toMatchObject({ channel: 'slack', status: 'outboxed', attempts: 0 });
    expect(s.sink.attempts).toHaveLength(1);
    const outbox = await s.store.listOutbox(new Date(s.clock.now().getTime() + 3600_000));
    expect(outbox.map((i) => i.id).sort()).toEqual(['slack|event|r1', 'slack|event|r2']);
    // Due no earlier than the channel asked.
    for (const i of outbox) expect(Date.parse(i.dueAt) - s.clock.now().getTime()).toBeGreaterThanOrEqual(120_000);
    // Once the time has passed (fake monotonic time and the store clock), the outbox delivers both.
    await s.time.sleep(120_000);
    s.clock.advance(120_000);
    expect(await n.flushOutbox()).toMatchObject({ delivered: 2 });
  });

  it('does not retry a 400 in-line, keeps it in the outbox instead', async () => {
    s.sink.script('/teams/', [{ status: 400, body: 'bad card' }]);
    const n = s.make({ drop: 'slack' });
    const r = await n.notify(makeOutcome('acr-pull/missing-role'));
    expect(r.deliveries[0]).toMatchObject({ channel: 'teams', status: 'outboxed', attempts: 1 });
    expect(s.sink.attempts).toHaveLength(1);
    const outbox = await s.store.listOutbox(new Date(s.clock.now().getTime() + 3600_000));
    expect(
      outbox.filter((i) => i.channel === 'teams' && !JSON.stringify(i.body).includes('digest-marker')),
    ).toHaveLength(1);
  });

  it('spaces requests: Teams ≥ 250 ms apart (4/s), Slack ≥ 1 s apart (1/s)', async () => {
    for (const [channel, gapMs] of [
      ['teams', 250],
      ['slack', 1000],
    ] as const) {
      const time = createFakeTime();
      const n = createNotifier({
        transports: WEBHOOK_TRANSPORTS,
        ...(channel === 'teams'
          ? { teamsWebhookUrl: `${s.sink.url}/teams/${SECRET}` }
          : { slackWebhookUrl: `${s.sink.url}/slack/${SLACK_SECRET}` }),
        store: s.store,
        clock: s.clock,
        log: pino({ level: 'silent' }),
        mode: 'dry-run',
        digestWindowMs: 0,
        sleep: time.sleep,
        monotonicNow: time.now,
      });
      // Six messages at once: the limiter lets one through, then one per interval.
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          n.notify(makeOutcome('acr-pull/missing-role', { eventId: `${channel}${i}`, app: `app${i}` })),
        ),
      );
      expect(time.waits).toEqual([gapMs, gapMs, gapMs, gapMs, gapMs]);
    }
    expect(s.sink.received.filter((q) => isTeams(q.path))).toHaveLength(6);
    expect(s.sink.received.filter((q) => isSlack(q.path))).toHaveLength(6);
  });

  it('a storm of 500 events collapses into one message and one digest per channel, across two instances', async () => {
    const a = s.make();
    const b = s.make();
    const apps = Array.from({ length: 50 }, (_, i) => `app-${i}`);
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => {
        const app = apps[i % apps.length]!;
        const outcome = makeOutcome('acr-pull/missing-role', {
          mode: 'auto-fix',
          eventId: `storm-${i}`,
          app,
          revision: `${app}--r${Math.floor(i / 50)}`,
        });
        return (i % 2 ? a : b).notify(outcome, makeEvent(outcome.eventId, app));
      }),
    );
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'grouped')).toHaveLength(499);
    expect(s.sink.received.filter((q) => isTeams(q.path))).toHaveLength(1);
    expect(s.sink.received.filter((q) => isSlack(q.path))).toHaveLength(1);

    // Nothing is due before the window closes.
    expect(await a.flushDigests()).toEqual({ delivered: 0, retried: 0, dropped: 0, skipped: 0 });
    s.clock.advance(60_000);
    const [fa, fb] = await Promise.all([a.flushDigests(), b.flushDigests()]);
    expect(fa.delivered + fb.delivered).toBe(2);
    const teams = s.sink.received.filter((q) => isTeams(q.path));
    const slack = s.sink.received.filter((q) => isSlack(q.path));
    expect(teams).toHaveLength(2);
    expect(slack).toHaveLength(2);
    expect(JSON.stringify(slack[1]!.body)).toContain('499 more revisions of 50 apps failed for the same reason.');
    expect(JSON.stringify(teams[1]!.body)).toContain('499 more revisions of 50 apps failed for the same reason.');
    // Flushing again sends nothing more.
    await a.flushDigests();
    await b.flushOutbox();
    expect(s.sink.received).toHaveLength(4);
  });

  it('a lone event gets no digest; a new window starts a new message', async () => {
    const n = s.make();
    await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'one' }));
    s.clock.advance(60_000);
    expect(await n.flushDigests()).toMatchObject({ delivered: 0, skipped: 2 });
    await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'two' }));
    expect(s.sink.received).toHaveLength(4);
  });

  it('an undeliverable message goes to the outbox and a later flush (another instance) delivers it', async () => {
    // Teams fails on every in-line attempt (3), then recovers.
    s.sink.script('/teams/', [{ status: 500 }, { status: 500 }, { status: 500 }]);
    const a = s.make({ maxAttempts: 3, drop: 'slack' });
    const outcome = makeOutcome('acr-pull/image-not-found');
    const r = await a.notify(outcome);
    expect(r.deliveries[0]).toMatchObject({ channel: 'teams', status: 'outboxed', attempts: 3 });
    expect(s.sink.received).toHaveLength(0);

    const b = s.make({ drop: 'slack' });
    // Not due yet (first outbox retry after 2 minutes).
    expect(await b.flushOutbox()).toEqual({ delivered: 0, retried: 0, dropped: 0, skipped: 0 });
    s.clock.advance(120_000);
    expect(await b.flushOutbox()).toMatchObject({ delivered: 1 });
    expect(s.sink.received).toHaveLength(1);
    expect(JSON.stringify(s.sink.received[0]!.body)).toContain(outcome.diagnosis!.summary);
    expect(
      (await s.store.listOutbox(new Date(s.clock.now().getTime() + 86_400_000))).filter(
        (i) => !JSON.stringify(i.body).includes('digest-marker'),
      ),
    ).toHaveLength(0);
  });

  it('at the end of a run, closeAll flushes digests of open windows and outbox items not yet due (flushOutbox(deps) too)', async () => {
    s.sink.script('/teams/', [{ status: 500 }]);
    const deps = { maxAttempts: 1, drop: 'slack' } as Partial<NotifierOptions>;
    const n = s.make(deps);
    await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'a', app: 'web' }));
    await n.notify(makeOutcome('acr-pull/missing-role', { eventId: 'b', app: 'api' }));
    expect(s.sink.received).toHaveLength(0);
    expect(await n.flushDigests()).toMatchObject({ delivered: 0 });
    expect(await n.flushDigests({ closeAll: true })).toMatchObject({ delivered: 1 });
    expect(await flushOutbox(optionsWith(s.make.opts, deps))).toMatchObject({ delivered: 0 });
    expect(await flushOutbox(optionsWith(s.make.opts, deps), { closeAll: true })).toMatchObject({ delivered: 1 });
    expect(s.sink.received.map((q) => JSON.stringify(q.body).includes('1 more revision of 1 app'))).toEqual([
      true,
      false,
    ]);
  });

  it('a message that keeps failing is retried with growing delays, then recorded as dropped in the audit log', async () => {
    s.sink.script(
      '/teams/',
      Array.from({ length: 10 }, () => ({ status: 500 })),
    );
    const n = s.make({ maxAttempts: 1, outboxMaxAttempts: 3, digestWindowMs: 0, drop: 'slack' });
    await n.notify(makeOutcome('unknown', { eventId: 'doomed' }));
    s.clock.advance(120_000);
    expect(await n.flushOutbox()).toMatchObject({ retried: 1 });
    s.clock.advance(120_000);
    expect(await n.flushOutbox()).toMatchObject({ retried: 0, delivered: 0 }); // next try after 4 min, not 2
    s.clock.advance(120_000);
    expect(await n.flushOutbox()).toMatchObject({ dropped: 1 });
    const audit = await s.store.listAudit({ eventId: 'teams|event|doomed' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ stage: 'notify', status: 'dropped' });
    expect(JSON.stringify(audit[0]!.detail)).toContain('doomed');
    expect(s.lines.some((l) => l.includes('notification dropped'))).toBe(true);
  });

  it('a network failure (nothing listening) is retried, then kept in the outbox', async () => {
    const dead = await startSink();
    const url = dead.url;
    await dead.stop();
    const n = createNotifier({
      transports: WEBHOOK_TRANSPORTS,
      slackWebhookUrl: `${url}/slack/${SLACK_SECRET}`,
      store: s.store,
      clock: s.clock,
      log: pino({ level: 'silent' }),
      mode: 'dry-run',
      digestWindowMs: 0,
      sleep: s.time.sleep,
      monotonicNow: s.time.now,
      maxAttempts: 2,
    });
    const r = await n.notify(makeOutcome('acr-pull/missing-role'));
    expect(r.deliveries[0]).toMatchObject({ channel: 'slack', status: 'outboxed', attempts: 2 });
    const [item] = await s.store.listOutbox(new Date(s.clock.now().getTime() + 3600_000));
    expect(item?.lastError).toMatch(/ECONNREFUSED|request error/i);
    expect(item?.lastError).not.toContain(SLACK_SECRET);
  });

  it('never logs a webhook URL (only channel and host)', async () => {
    s.sink.script('/teams/', [{ status: 503, body: `upstream said ${SECRET}` }, { status: 404 }]);
    s.sink.script('/slack/', [
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 500 },
      { status: 500 },
      { status: 500 },
    ]);
    const n = s.make();
    await n.notify(makeOutcome('acr-pull/missing-role'));
    s.clock.advance(120_000);
    await n.flushOutbox();
    expect(s.lines.length).toBeGreaterThan(3);
    const all = s.lines.join('\n');
    expect(all).toContain('"channel":"teams"');
    expect(all).toContain(`"host":"${new URL(s.sink.url).host}"`);
    expect(all).not.toContain('S3CR3T-SIGNATURE');
    expect(all).not.toContain('XXXXSLACKSECRETXXXX');
    expect(all).not.toContain('/teams/');
    expect(all).not.toContain('/slack/');
  });

  it('a heal alone is told as itself at the end of its window', async () => {
    const n = s.make();
    const outcome = makeOutcome('acr-pull/missing-role', { mode: 'auto-fix' });
    const r = await n.notifyHeal(outcome, { status: 'healed', revisionName: 'web--v8', healedAfterMs: 130_000 });
    expect(r.status).toBe('grouped');
    expect(s.sink.received).toHaveLength(0);
    const flushed = await n.flushDigests({ closeAll: true });
    expect(flushed.delivered).toBe(2);
    expect(s.sink.received).toHaveLength(2);
    for (const m of s.sink.received) expect(JSON.stringify(m.body)).toContain('healed in 2m 10s');
  });

  it('heals of one storm are told as one digest of all of them, per channel', async () => {
    const n = s.make();
    for (const app of ['web', 'api', 'jobs']) {
      const r = await n.notifyHeal(
        makeOutcome('acr-pull/missing-role', { mode: 'auto-fix', eventId: `e-${app}`, app }),
        {
          status: 'healed',
          revisionName: `${app}--heal`,
          healedAfterMs: 1000,
        },
      );
      expect(r.status).toBe('grouped');
    }
    await n.flushDigests({ closeAll: true });
    expect(s.sink.received).toHaveLength(2);
    const body = JSON.stringify(s.sink.received.find((m) => isTeams(m.path))!.body);
    expect(body).toContain('3 revisions of 3 apps healed.');
    expect(body).not.toContain('more revisions');
  });
});
