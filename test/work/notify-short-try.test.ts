/**
 * Notification off the critical path (issue 13): once the event's work is recorded, the message is rendered and tried
 * ONCE, briefly (bounded by what is left of the invocation deadline); a webhook that hangs or answers 429 with
 * Retry-After: 29 does not hold the delivery: the message goes to the outbox, and a later flushOutbox delivers it
 * once. Against the ARM emulator (real SDK clients), Azurite, and a real local HTTP webhook server.
 */
import type { RunningEmulator } from '../../emulator/api';
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import type { Harness } from '../../src/local/harness';
import { createNotifierFromConfig } from '../../src/notify';
import { FAR_FUTURE } from '../../src/notify/outbox';
import { readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { seedStoryEvent, startSeedInstance, type SeedInstance } from '../helpers/seed-instance';
import { startSink, type Sink, type SinkReply } from '../notify/fixtures';

jest.setTimeout(90_000);

const EVENT = seedStoryEvent();

let azurite: RunningAzurite;
let seed: SeedInstance | undefined;
let sink: Sink | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
afterEach(async () => {
  await seed?.stop();
  await sink?.stop();
  seed = sink = undefined;
});

async function start(reply: SinkReply): Promise<{ h: Harness; sink: Sink; emu: RunningEmulator }> {
  sink = await startSink();
  sink.script('/teams', [reply]);
  seed = await startSeedInstance(azurite, { TEAMS_WEBHOOK_URL: `${sink.url}/teams` });
  return { h: seed.h, sink, emu: seed.emu };
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
