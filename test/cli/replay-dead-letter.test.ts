/**
 * `remediator replay` of an Event Grid dead-letter blob (issue 13): the blob's shape is Event Grid's (an array of the
 * dead-lettered events, each with deadLetterReason, deliveryAttempts, lastDeliveryOutcome, publishTime,
 * lastDeliveryAttemptTime). The replays run through the pipeline against the ARM emulator (real SDK clients) with the
 * state in Azurite, and `remediator audit` shows each one as a replay with the reason Event Grid gave up on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator, loadWorld } from '../../emulator';
import type { Outcome } from '../../src/model';
import type { AuditRecord } from '../../src/store/port';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { seedStoryEvent } from '../helpers/seed-instance';
import { indexDeadLetters, readDeadLetter } from '../../src/cli/dead-letter';
import { runCliCaptured } from '../helpers/cli-run';

jest.setTimeout(90_000);

const ROOT = resolve(__dirname, '..', '..');

const run = runCliCaptured;

/** As Event Grid writes it to the dead-letter container (Event Grid schema). */
function deadLettered(id: string, reason: string, attempts: number, outcome: string): Record<string, unknown> {
  return {
    ...seedStoryEvent(id),
    deadLetterReason: reason,
    deliveryAttempts: attempts,
    lastDeliveryOutcome: outcome,
    publishTime: '2026-11-21T09:58:53.0265758Z',
    lastDeliveryAttemptTime: '2026-11-22T09:40:14.0465788Z',
  };
}

let emulator: RunningEmulator;
let azurite: RunningAzurite;
let dir: string;
beforeAll(async () => {
  [emulator, azurite] = await Promise.all([
    startEmulator({ world: loadWorld(join(ROOT, 'test/worlds/seed-story.json')), propagationDelayMs: 0 }),
    startAzurite(),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'deadletter-'));
});
afterAll(async () => {
  await Promise.allSettled([emulator?.stop(), azurite?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

it('replays a dead-letter blob once per event; the audit shows each as a replay with its dead-letter reason', async () => {
  const tag = Date.now().toString(36);
  const env = {
    ARM_ENDPOINT: emulator.endpoint,
    REMEDIATOR_EMULATOR_CA: emulator.caPath,
    REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString,
    REMEDIATOR_CLAIMS_TABLE: `dlclaims${tag}`,
    REMEDIATOR_AUDIT_TABLE: `dlaudit${tag}`,
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
    LOG_LEVEL: 'silent',
  };
  // One blob, two dead-lettered events of the same failure (the endpoint was down for a day).
  const file = join(dir, 'blob.json');
  writeFileSync(
    file,
    JSON.stringify([
      deadLettered('dl-first', 'MaxDeliveryAttemptsExceeded', 30, 'TimedOut'),
      deadLettered('dl-second', 'TimeToLiveExceeded', 17, 'ServiceUnavailable'),
    ]),
  );

  const r = await run(['replay', '--file', file, '--mode', 'auto-fix', '--json'], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { outcomes } = JSON.parse(r.stdout) as { outcomes: Outcome[] };
  expect(outcomes.map((o) => [o.eventId, o.status])).toEqual([
    ['dl-first', 'diagnosed'],
    ['dl-second', 'duplicate'],
  ]);
  expect(outcomes[0]?.actions?.[0]).toMatchObject({ type: 'assign-role', status: 'applied' });
  const puts = emulator.requestLog.filter((e) => e.method === 'PUT' && /roleassignments/i.test(e.path));
  expect(puts).toHaveLength(1);

  // Replaying the same blob again: duplicates, no second write, and audited as replays too.
  const again = await run(['replay', '--file', file, '--mode', 'auto-fix', '--json'], env);
  expect(again.code).toBe(0);
  const second = JSON.parse(again.stdout) as { outcomes: Outcome[] };
  expect(second.outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
  expect(emulator.requestLog.filter((e) => e.method === 'PUT' && /roleassignments/i.test(e.path))).toHaveLength(1);

  const audit = await run(['audit', '--json'], env);
  expect(audit.code).toBe(0);
  const records = (JSON.parse(audit.stdout) as { records: AuditRecord[] }).records;
  const replays = records.filter((a) => a.stage === 'replay');
  expect(replays.map((a) => [a.eventId, a.status])).toEqual([
    ['dl-first', 'diagnosed'],
    ['dl-second', 'duplicate'],
    ['dl-first', 'duplicate'],
    ['dl-second', 'duplicate'],
  ]);
  const first = replays[0];
  expect(first?.detail['deadLetter']).toEqual({
    reason: 'MaxDeliveryAttemptsExceeded',
    deliveryAttempts: 30,
    lastDeliveryOutcome: 'TimedOut',
    publishTime: '2026-11-21T09:58:53.0265758Z',
    lastDeliveryAttemptTime: '2026-11-22T09:40:14.0465788Z',
  });
  expect(first?.detail['file']).toBe('blob.json');
  expect(replays[1]?.detail['reason']).toMatch(/^replayed dead-lettered \(TimeToLiveExceeded, 17 attempts/);

  // The operator's table names the replay and why Event Grid gave up.
  const table = await run(['audit'], env);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(
    /replay\s+diagnosed\s+\S+\s+dl-first\s+\S+\s+replayed dead-lettered \(MaxDeliveryAttemptsExceeded, 30 attempts, last TimedOut\)/,
  );
});

it('reads the dead-letter fields under both delivery schemas (Event Grid camelCase, CloudEvents lower-case)', () => {
  expect(readDeadLetter(deadLettered('eg', 'MaxDeliveryAttemptsExceeded', 3, 'NotFound'))).toMatchObject({
    reason: 'MaxDeliveryAttemptsExceeded',
    deliveryAttempts: 3,
    lastDeliveryOutcome: 'NotFound',
  });
  const cloud = {
    id: 'ce-1',
    source: '/subscriptions/x',
    type: 'Microsoft.Resources.ResourceWriteFailure',
    data: {},
    deadletterreason: 'TimeToLiveExceeded',
    deliveryattempts: 1,
    lastdeliveryoutcome: 'Busy',
    publishtime: '2026-11-21T09:58:53Z',
  };
  expect(readDeadLetter(cloud)).toEqual({
    reason: 'TimeToLiveExceeded',
    deliveryAttempts: 1,
    lastDeliveryOutcome: 'Busy',
    publishTime: '2026-11-21T09:58:53Z',
  });
  expect(readDeadLetter(seedStoryEvent('plain'))).toBeUndefined();
  expect([...indexDeadLetters([cloud, seedStoryEvent('plain')]).keys()]).toEqual(['ce-1']);
});
