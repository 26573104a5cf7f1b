/**
 * Notification off the critical path (issue 13): once the event's work is recorded, the message is rendered and tried
 * ONCE, briefly (bounded by what is left of the invocation deadline); a webhook that hangs or answers 429 with
 * Retry-After: 29 does not hold the delivery: the message goes to the outbox, and a later flushOutbox delivers it
 * once. Against the ARM emulator (real SDK clients), Azurite, and a real local HTTP webhook server.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import { startHarness, type Harness } from '../../src/local/harness';
import { createNotifierFromConfig } from '../../src/notify';
import { FAR_FUTURE } from '../../src/notify/outbox';
import { readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { startSink, type Sink, type SinkReply } from '../notify/fixtures';

jest.setTimeout(90_000);

const WORLDS = resolve(__dirname, '../worlds');
const EVENT = JSON.parse(readFileSync(resolve(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;

let azurite: RunningAzurite;
let emu: RunningEmulator | undefined;
let h: Harness | undefined;
let sink: Sink | undefined;
let n = 0;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
afterEach(async () => {
  await h?.stop();
  await emu?.stop();
  await sink?.stop();
  h = emu = sink = undefined;
});

async function start(reply: SinkReply): Promise<{ h: Harness; sink: Sink; emu: RunningEmulator }> {
  sink = await startSink();
  sink.script('/teams', [reply]);
  emu = await startEmulator({ world: loadWorld(resolve(WORLDS, 'seed-story.json')), propagationDelayMs: 0 });
  n++;
  h = await startHarness({
    world: emu.snapshot(),
    emulator: emu,
    storage: azurite,
    mode: 'auto-fix',
    env: {
      REMEDIATOR_CLAIMS_TABLE: `short${n}x${Date.now().toString(36)}`,
      REMEDIATOR_AUDIT_TABLE: `shortaudit${n}x${Date.now().toString(36)}`,
      REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
      TEAMS_WEBHOOK_URL: `${sink.url}/teams`,
    },
  });
  return { h, sink, emu };
}

it.each<[string, SinkReply]>([
  ['hangs', { status: 200, hang: true }],
  ['answers 429 Retry-After: 29', { status: 429, headers: { 'retry-after': '29' }, body: 'slow down' }],
])(
  'a webhook that %s: the delivery returns well inside the deadline, the message waits in the outbox',
  async (_, reply) => {
    const { h, sink, emu } = await start(reply);
    const started = Date.now();
    const [done] = await h.deliver(EVENT);
    const tookMs = Date.now() - started;
    expect(done?.status).toBe('diagnosed');
    expect(tookMs).toBeLessThan(h.config.invocationDeadlineMs / 2); // one short try, not 4 attempts or a 29 s wait
    expect(sink.attempts.filter((a) => a.path.startsWith('/teams'))).toHaveLength(1);
    expect(sink.received).toHaveLength(0);
    // The event's work was recorded before the message was handed to the outbox.
    expect((await readWork(h.store, 'event', String(EVENT['id'])))?.state).toBe('completed');
    const waiting = (await h.store.listOutbox(FAR_FUTURE)).filter(
      (i) => !JSON.stringify(i.body).includes('digest-marker'),
    );
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.channel).toBe('teams');

    // Later, the outbox timer (its own invocation, after the Retry-After): delivered once; then nothing left to send.
    emu.clock.advance(10 * 60_000);
    const notifier = createNotifierFromConfig(h.config, {
      store: h.store,
      clock: emu.clock,
      log: h.log,
      transports: WEBHOOK_TRANSPORTS,
    });
    if (!notifier) throw new Error('no notifier');
    const flushed = await notifier.flushOutbox();
    expect(flushed.delivered).toBe(1);
    expect(sink.received.filter((r) => r.path.startsWith('/teams'))).toHaveLength(1);
    expect((await notifier.flushOutbox({ closeAll: true })).delivered).toBe(0);
    expect(sink.received.filter((r) => r.path.startsWith('/teams'))).toHaveLength(1);
  },
);
