/**
 * Issue 13's recoveries through the whole pipeline against the ARM emulator (real SDK clients) and Azurite:
 * - PrincipalNotFound (a fresh identity the directory does not know yet) is transient: Event Grid's retries get
 *   through once it is replicated, with one role assignment;
 * - a heal step that fails on every delivery is abandoned: the poison-queue handler closes its work (the redeploy is
 *   recorded failed with retryAfter, so a later event tries again), audits `abandoned` and tells the team once.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator } from '../../emulator/server';
import { loadWorld } from '../../emulator/world';
import { handleHealPoison } from '../../src/heal-pipeline';
import { startHarness, type Harness } from '../../src/local/harness';
import { encodeHealMessage } from '../../src/remediate';
import { readWork } from '../../src/work/work-store';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { startSink, type Sink } from '../notify/fixtures';

const WORLDS = resolve(__dirname, '../worlds');
const EVENT = JSON.parse(readFileSync(resolve(WORLDS, 'seed-story.event.json'), 'utf8')) as Record<string, unknown>;
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d'; // the seed story's user-assigned identity

let azurite: RunningAzurite;
let emu: RunningEmulator | undefined;
let harness: Harness | undefined;
let sink: Sink | undefined;
let n = 0;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});
afterEach(async () => {
  await harness?.stop();
  await emu?.stop();
  await sink?.stop();
  harness = emu = sink = undefined;
});

async function start(world: ReturnType<typeof loadWorld>, env: Record<string, string> = {}): Promise<Harness> {
  emu = await startEmulator({ world, propagationDelayMs: 0 });
  n++;
  harness = await startHarness({
    world,
    emulator: emu,
    storage: azurite,
    mode: 'auto-fix',
    env: {
      REMEDIATOR_CLAIMS_TABLE: `heal${n}x${Date.now().toString(36)}`,
      REMEDIATOR_AUDIT_TABLE: `healaudit${n}x${Date.now().toString(36)}`,
      ...env,
    },
  });
  return harness;
}

const roleCreates = (e: RunningEmulator): number =>
  e.requestLog.filter((r) => r.method === 'PUT' && /roleAssignments\/[^/]+$/i.test(r.path) && r.status === 201).length;

it('PrincipalNotFound for a fresh identity is transient: retried on Event Grid schedule, then one assignment', async () => {
  const world = loadWorld(resolve(WORLDS, 'seed-story.json'));
  const now = Date.parse(world.now ?? new Date().toISOString());
  world.directoryReplication = { [PRINCIPAL]: new Date(now + 50_000).toISOString() };
  const h = await start(world, { REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '0' });
  const retries: string[] = [];
  const [done] = await h.settle(await h.deliverWithRetries(EVENT, (r) => retries.push(String(r.error))));
  expect(retries.length).toBeGreaterThan(0);
  for (const r of retries) expect(r).toMatch(/PrincipalNotFound|does not exist in the directory/);
  const refused = (emu as RunningEmulator).requestLog.filter(
    (r) => r.method === 'PUT' && /roleAssignments\//i.test(r.path) && r.status === 400,
  );
  expect(refused).toHaveLength(retries.length);
  expect(done?.actions?.map((a) => `${a.type}:${a.status}`)).toEqual([
    'assign-role:applied',
    'redeploy-revision:applied',
  ]);
  expect(done?.heal?.status).toBe('healed');
  expect(roleCreates(emu as RunningEmulator)).toBe(1);
  const audit = await h.store.listAudit({ eventId: String(EVENT['id']) });
  const transient = audit.filter((a) => a.stage === 'action' && a.status === 'failed' && a.detail['retry'] === true);
  expect(transient.length).toBe(retries.length);
});

it('a poison heal message: the redeploy is closed (failed with retryAfter), audited abandoned, told once; the story is open again', async () => {
  sink = await startSink();
  const h = await start(loadWorld(resolve(WORLDS, 'seed-story.json')), {
    REMEDIATOR_PROPAGATION_WINDOW_MINUTES: '10',
    REMEDIATOR_FIX_RETRY_AFTER_MINUTES: '15',
    TEAMS_WEBHOOK_URL: `${sink.url}/teams`,
  });
  const [first] = await h.deliver(EVENT);
  expect(first?.actions?.map((a) => `${a.type}:${a.status}`)).toEqual([
    'assign-role:applied',
    'redeploy-revision:applied',
  ]);
  const pending = h.scheduler.pending();
  expect(pending.map((p) => p.task.phase)).toEqual(['redeploy']);
  const task = pending[0]?.task;
  if (!task) throw new Error('no heal task');
  expect((await readWork(h.store, 'fix', task.claimKey))?.state).toBe('scheduled');

  // The step failed on every delivery (e.g. a long ARM outage) and the host moved the message to the poison queue.
  const told = sink.received.length;
  const message = encodeHealMessage(task);
  const heal = await handleHealPoison(message, h.deps);
  expect(heal?.status).toBe('still-failing');
  expect(heal?.detail).toMatch(/abandoned/);
  const fix = await readWork(h.store, 'fix', task.claimKey);
  expect(fix).toMatchObject({ state: 'failed' });
  const audit = await h.store.listAudit({ eventId: String(EVENT['id']) });
  expect(audit.filter((a) => a.stage === 'heal' && a.status === 'abandoned')).toHaveLength(1);
  await h.notifier?.flushDigests({ closeAll: true });
  expect(sink.received.length).toBeGreaterThan(told);
  // The poison message delivered again: nothing closed twice, nobody told twice.
  const again = sink.received.length;
  await handleHealPoison(message, h.deps);
  await h.notifier?.flushDigests({ closeAll: true });
  expect(sink.received.length).toBe(again);
  expect(
    (await h.store.listAudit({ eventId: String(EVENT['id']) })).filter((a) => a.status === 'abandoned'),
  ).toHaveLength(1);

  // Nothing stays scheduled for ever: after retryAfter, a new event of the failure is handled again (not answered
  // duplicate by the completed story).
  emu?.clock.advance(16 * 60_000);
  const later = { ...EVENT, id: 'later-event', eventTime: emu?.clock.now().toISOString() };
  const [retried] = await h.settle(await h.deliverWithRetries(later));
  expect(retried?.status).toBe('diagnosed');
  expect(retried?.reason ?? '').not.toMatch(/handled by event/);
  // The role is in effect by now and the redeploy was never written: diagnosed afresh this world reads `unknown`.
  // Tied to the failure's story, the later event carries out the story's plan: the redeploy, once; no second role.
  expect(retried?.diagnosis?.kind).toBe('acr-pull/missing-role');
  expect(retried?.actions?.map((a) => `${a.type}:${a.status}`)).toEqual([
    'assign-role:applied',
    'redeploy-revision:applied',
  ]);
  expect(retried?.heal?.status).toBe('healed');
  expect(roleCreates(emu as RunningEmulator)).toBe(1);
});

it('the emulator answers PrincipalNotFound in ARM wording until the identity is replicated (even with principalType)', async () => {
  const world = loadWorld(resolve(WORLDS, 'seed-story.json'));
  const now = Date.parse(world.now ?? new Date().toISOString());
  world.directoryReplication = { [PRINCIPAL]: new Date(now + 30_000).toISOString() };
  const h = await start(world);
  const registry = String(
    world.resources.find((r) => r.type === 'Microsoft.ContainerRegistry/registries')?.id ?? '/subscriptions/x',
  );
  const create = () =>
    h.arm.createRoleAssignment({
      scope: registry,
      name: '0f14a80d-42e5-4d57-afe0-46acf9dfae05',
      roleDefinitionId: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
      principalId: PRINCIPAL,
      principalType: 'ServicePrincipal',
    });
  await expect(create()).rejects.toMatchObject({
    code: 'PrincipalNotFound',
    message: expect.stringContaining(`Principal ${PRINCIPAL.replace(/-/g, '')} does not exist in the directory`),
  });
  emu?.clock.advance(30_000);
  await expect(create()).resolves.toBeDefined();
  expect(emu?.snapshot().directoryReplication).toEqual({ [PRINCIPAL]: new Date(now + 30_000).toISOString() });
});
