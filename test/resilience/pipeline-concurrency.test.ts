/**
 * Exactly once at the PIPELINE level (processItems: event claim, story claim, executor claims, audit), across
 * processes: 4 child processes x 25 concurrent deliveries = 100 deliveries of the same batch (two events reporting
 * the seed story's failure, plus an ignored success), against ONE emulator and ONE Azurite. Every write happens once.
 * (test/remediate/concurrency.test.ts covers the executor alone; this goes through the whole pipeline.)
 */
import { resolve } from 'node:path';
import pino from 'pino';
import { createStore } from '../../src/adapters/state-store';
import { loadConfig } from '../../src/config';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { forkChild as forkChildScript } from '../helpers/fork-child';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { isAppWrite, isRoleAssignmentPut, seedEvent, seedWorld } from './seed';

// 100 deliveries on work records (busy leases answered "retry" and redelivered): minutes on a loaded 2-core machine.
jest.setTimeout(120_000);

interface ChildResult {
  outcomes?: Array<{ eventId: string; status: string; actions: string[]; reason: string }>;
  retries?: number;
  error?: string;
}

const forkChild = (config: object) =>
  forkChildScript<ChildResult>(resolve(__dirname, 'pipeline-child.ts'), { PIPELINE_CHILD: JSON.stringify(config) });

let emu: TestEmulator;
let azurite: RunningAzurite;
beforeAll(async () => {
  [emu, azurite] = await Promise.all([startTestEmulator(seedWorld(), { propagationDelayMs: 0 }), startAzurite()]);
});
afterAll(async () => {
  await Promise.allSettled([emu?.stop(), azurite?.stop()]);
});

it('4 processes x 25 concurrent deliveries of one batch → one role assignment, one redeploy, one diagnosis', async () => {
  const failure = seedEvent('conc-a');
  const sameFailure = seedEvent('conc-b');
  const success = {
    ...seedEvent('conc-ok'),
    eventType: 'Microsoft.Resources.ResourceWriteSuccess',
    data: { ...(failure['data'] as object), status: 'Succeeded' },
  };
  const base = {
    endpoint: emu.endpoint,
    caPath: emu.caPath,
    connectionString: azurite.connectionString,
    batch: [failure, sameFailure, success],
    now: emu.clock.now().toISOString(),
    deliveries: 25,
  };
  const children = await Promise.all([0, 1, 2, 3].map(() => forkChild(base)));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.done));
  for (const r of results) expect(r.error).toBeUndefined();

  const writes = emu.requestLog.filter((r) => r.write);
  expect(writes.filter(isRoleAssignmentPut)).toHaveLength(1);
  expect(writes.filter(isAppWrite)).toHaveLength(1);
  expect(writes).toHaveLength(2);

  const outcomes = results.flatMap((r) => r.outcomes ?? []);
  expect(outcomes).toHaveLength(300);
  expect(outcomes.filter((o) => o.eventId === 'conc-ok').every((o) => o.status === 'ignored')).toBe(true);
  // The delivery that did the work may have been answered "retry" (another event of its batch was busy elsewhere):
  // its redelivery is then a duplicate. The story was diagnosed and acted on once (the audit), every answer says so.
  const diagnosed = outcomes.filter((o) => o.status === 'diagnosed');
  expect(diagnosed.length).toBeLessThanOrEqual(1);
  for (const d of diagnosed) expect(d.actions).toEqual(['assign-role:applied', 'redeploy-revision:applied']);
  const duplicates = outcomes.filter((o) => o.status === 'duplicate');
  expect(duplicates).toHaveLength(200 - diagnosed.length);
  for (const d of duplicates) expect(d.reason).toContain('assign-role:applied, redeploy-revision:applied');
  const config = loadConfig({ REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString, ARM_ENDPOINT: emu.endpoint });
  const store = await createStore(config, pino({ level: 'silent' }));
  const audit = (await store.listAudit()).filter((a) => a.eventId === 'conc-a' || a.eventId === 'conc-b');
  expect(audit.filter((a) => a.stage === 'diagnosed' && a.status === 'diagnosed')).toHaveLength(1);
  // However late conc-b is first diagnosed (even after conc-a's story fixed the world), it is tied to that story.
  expect(audit.filter((a) => a.kind === 'unknown')).toEqual([]);

  const app = await emu.containerApps.containerApps.get('web-rg', 'web');
  const latest = await emu.containerApps.containerAppsRevisions.getRevision(
    'web-rg',
    'web',
    app.latestRevisionName as string,
  );
  expect(latest.runningState).toBe('Running');
});
