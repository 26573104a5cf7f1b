/**
 * The Azure path of the heal task: QueueHealScheduler puts HealTasks on an Azure Storage Queue (Azurite) with a
 * visibility delay; the `healCheck` queue trigger's handler (handleHealCheck) runs them through the same runHealTask.
 */
import { QueueClient } from '@azure/storage-queue';
import { handleHealCheck } from '../../src/functions/heal-check';
import { decodeHealMessage, type HealTask } from '../../src/remediate';
import { createHealScheduler } from '../../src/adapters/queue-scheduler';
import { createStore } from '../../src/adapters/state-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(20_000);

let azurite: RunningAzurite;
let t: E2E | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
});
afterAll(async () => {
  await azurite?.stop();
});

it('a delayed heal task is invisible until its time; the queue message round-trips as a HealTask', async () => {
  const config = {
    storage: { kind: 'connection-string' as const, connectionString: azurite.connectionString },
    healQueue: 'heal-delayed',
  };
  const scheduler = await createHealScheduler(config, { warn: () => undefined });
  const task: HealTask = {
    id: 'h1',
    eventId: 'e1',
    appId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/web',
    revisionSuffix: 'heal-1',
    claimKey: 'k',
    failedAt: '2026-11-21T10:00:00Z',
    phase: 'redeploy',
    attempt: 0,
  };
  await scheduler.schedule(task, 600_000);
  await scheduler.schedule({ ...task, id: 'h2' }, 0);
  const q = new QueueClient(azurite.connectionString, 'heal-delayed');
  const got = await q.receiveMessages({ numberOfMessages: 32 });
  expect(got.receivedMessageItems.map((m) => decodeHealMessage(m.messageText).id)).toEqual(['h2']);
  expect((await q.getProperties()).approximateMessagesCount).toBe(2);
});

it('executor → queue → healCheck handler: redeploy, then the check finds the new revision running', async () => {
  const env = {
    REMEDIATOR_STORAGE_CONNECTION: azurite.connectionString,
    REMEDIATOR_HEAL_QUEUE: 'heal-e2e',
    REMEDIATOR_HEAL_CHECK_DELAY_SECONDS: '0',
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0',
    REMEDIATOR_HEAL_SCHEDULE: 'fixed-window',
  };
  t = await startE2E('missing-role', env, { propagationDelayMs: 0 });
  const store = await createStore(t.deps.config, { warn: () => undefined });
  const scheduler = await createHealScheduler(t.deps.config, { warn: () => undefined });
  const deps = { ...t.deps, store, scheduler };
  t.deps.store = store;
  t.deps.scheduler = scheduler;
  const { result } = await t.run();
  expect(result.actions.map((a) => [a.type, a.status])).toEqual([
    ['assign-role', 'applied'],
    ['redeploy-revision', 'applied'],
  ]);
  expect(result.heal?.status).toBe('pending');
  const q = new QueueClient(azurite.connectionString, 'heal-e2e');
  const received = await q.receiveMessages({ numberOfMessages: 32 });
  expect(received.receivedMessageItems).toHaveLength(1);
  const msg = received.receivedMessageItems[0]!;
  const heal = await handleHealCheck(msg.messageText, deps);
  expect(heal).toMatchObject({ status: 'healed', revisionName: result.heal?.revisionName });
  await q.deleteMessage(msg.messageId, msg.popReceipt);
  // the heal step is audited in the shared store
  const audit = await store.listAudit({ eventId: t.event.id });
  expect(audit.some((a) => a.stage === 'heal' && a.status === 'healed')).toBe(true);
  // a garbage message is dropped, not retried
  expect(await handleHealCheck('not json', deps)).toBeUndefined();
});
