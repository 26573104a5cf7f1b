/**
 * Storm grouping across Function instances for real: two notifiers, each with its OWN Table store client, over one
 * Azurite Table service. One message + one digest per channel, whatever instance saw which event. Also: a 20 KB
 * rendered card fits in the Table outbox and comes back intact.
 */
import { WEBHOOK_TRANSPORTS } from '../../src/adapters/webhook-sender';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createNotifier } from '../../src/notify';
import { createStore } from '../../src/adapters/state-store';
import type { StateStore } from '../../src/store/port';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { createFakeTime, createManualClock, makeEvent, makeOutcome, startSink, type Sink } from './fixtures';

let azurite: RunningAzurite;
let sink: Sink;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
beforeEach(async () => {
  sink = await startSink();
});
afterEach(async () => {
  await sink.stop();
});

const openStore = (): Promise<StateStore> =>
  createStore(
    loadConfig({ REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString }),
    { warn: () => undefined },
    { retryOptions: { maxRetries: 2, retryDelayInMs: 10, maxRetryDelayInMs: 50 } },
  );

describe('notifier over Table storage (Azurite)', () => {
  it('a storm seen by two instances ends in one message and one digest per channel', async () => {
    const clock = createManualClock('2030-01-01T10:00:05Z');
    const time = createFakeTime();
    const make = async (): Promise<ReturnType<typeof createNotifier>> =>
      createNotifier({
        transports: WEBHOOK_TRANSPORTS,
        teamsWebhookUrl: `${sink.url}/teams/x`,
        slackWebhookUrl: `${sink.url}/slack/y`,
        store: await openStore(),
        clock,
        log: pino({ level: 'silent' }),
        mode: 'auto-fix',
        digestWindowMs: 60_000,
        sleep: time.sleep,
        monotonicNow: time.now,
      });
    const [a, b] = [await make(), await make()];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const app = `app-${i % 4}`;
        const outcome = makeOutcome('acr-pull/missing-role', {
          mode: 'auto-fix',
          eventId: `tstorm-${i}`,
          app,
          revision: `${app}--r${Math.floor(i / 4)}`,
        });
        return (i % 2 ? a : b).notify(outcome, makeEvent(outcome.eventId, app));
      }),
    );
    expect(results.filter((r) => r.status === 'sent')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'grouped' && !r.reason)).toHaveLength(23);
    expect(sink.received).toHaveLength(2);

    clock.advance(60_000);
    const [fa, fb] = await Promise.all([a.flushDigests(), b.flushDigests()]);
    expect(fa.delivered + fb.delivered).toBe(2);
    expect(sink.received).toHaveLength(4);
    const digests = sink.received.slice(2).map((q) => JSON.stringify(q.body));
    for (const d of digests) expect(d).toContain('23 more revisions of 4 apps failed for the same reason.');
  });

  it('keeps a full-size rendered card in the Table outbox and delivers it later', async () => {
    const clock = createManualClock('2031-01-01T10:00:05Z');
    const time = createFakeTime();
    const store = await openStore();
    sink.script('/teams/', [{ status: 500 }, { status: 500 }]);
    const n = createNotifier({
      transports: WEBHOOK_TRANSPORTS,
      teamsWebhookUrl: `${sink.url}/teams/x`,
      store,
      clock,
      log: pino({ level: 'silent' }),
      mode: 'dry-run',
      digestWindowMs: 0,
      sleep: time.sleep,
      monotonicNow: time.now,
      maxAttempts: 2,
    });
    const outcome = makeOutcome('acr-pull/missing-role', { eventId: 'big-one' });
    outcome.diagnosis!.details.provisioningError = `UNAUTHORIZED ${'é'.repeat(100 * 1024)}`;
    outcome.diagnosis!.evidence = Array.from({ length: 30 }, (_, i) => `evidence ${i} ${'ü'.repeat(1500)}`);
    const r = await n.notify(outcome);
    expect(r.deliveries[0]).toMatchObject({ status: 'outboxed' });
    const failedBody = JSON.stringify(sink.attempts[0]!.body);
    clock.advance(120_000);
    expect(await n.flushOutbox()).toMatchObject({ delivered: 1 });
    expect(JSON.stringify(sink.received[0]!.body)).toBe(failedBody);
  });
});
