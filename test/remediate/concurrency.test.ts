/**
 * Exactly once across instances: several child PROCESSES (each its own remediator: own SDK clients, own store client)
 * receive the same failure many times at once, against ONE emulator and ONE Azurite. The emulator's request log must
 * show exactly one role-assignment write and one redeploy.
 */
import { resolve } from 'node:path';
import { startAzurite, type RunningAzurite } from '../helpers/azurite';
import { forkChild as forkChildScript } from '../helpers/fork-child';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { WORLDS, readWorld } from './e2e-helpers';

jest.setTimeout(60_000);

interface ChildResult {
  results?: Array<{ kind: string; actions: Array<{ type: string; status: string; reason: string }> }>;
  error?: string;
}

const forkChild = (config: object) =>
  forkChildScript<ChildResult>(resolve(__dirname, 'fixtures/deliver-child.ts'), {
    CHILD_CONFIG: JSON.stringify(config),
  });

let emu: TestEmulator;
let azurite: RunningAzurite;
beforeAll(async () => {
  [emu, azurite] = await Promise.all([
    startTestEmulator(readWorld('missing-role'), { propagationDelayMs: 0 }),
    startAzurite(),
  ]);
});
afterAll(async () => {
  await Promise.allSettled([emu?.stop(), azurite?.stop()]);
});

it('3 processes x 6 concurrent deliveries of one failure → one role assignment, one redeploy', async () => {
  const base = {
    endpoint: emu.endpoint,
    caPath: emu.caPath,
    connectionString: azurite.connectionString,
    eventPath: resolve(WORLDS, 'missing-role.event.json'),
    now: emu.clock.now().toISOString(),
    deliveries: 6,
  };
  const ready = await Promise.all([0, 1, 2].map((instance) => forkChild({ ...base, instance })));
  expect(emu.requestLog.filter((r) => r.write)).toEqual([]); // everyone has diagnosed; nobody has written yet
  for (const c of ready) c.go();
  const children = await Promise.all(ready.map((c) => c.done));
  for (const c of children) expect(c.error).toBeUndefined();
  const writes = emu.requestLog.filter((r) => r.write);
  const roleWrites = writes.filter((w) => w.method === 'PUT' && /roleAssignments\//i.test(w.path));
  const appWrites = writes.filter(
    (w) => (w.method === 'PATCH' || w.method === 'PUT') && /containerApps\/[^/]+$/i.test(w.path),
  );
  expect(roleWrites).toHaveLength(1);
  expect(appWrites).toHaveLength(1);
  expect(writes).toHaveLength(2);
  const all = children.flatMap((c) => c.results ?? []);
  expect(all).toHaveLength(18);
  // every delivery ended in a clear status; at most one answer says it wrote the assignment (the writer's delivery may
  // have been answered "retry" afterwards — a lease busy elsewhere — and its redelivery found the role recorded); the
  // request log above shows the one write
  const assigned = all.flatMap((r) => r.actions).filter((a) => a.type === 'assign-role');
  expect(assigned.filter((a) => /^assigned AcrPull/.test(a.reason)).length).toBeLessThanOrEqual(1);
  expect(assigned.every((a) => a.status === 'applied')).toBe(true);
  expect(
    all.flatMap((r) => r.actions).every((a) => ['applied', 'planned', 'blocked', 'manual'].includes(a.status)),
  ).toBe(true);
  // the app runs afterwards
  const apps = await emu.containerApps.containerApps.get('web-rg', 'web');
  const latest = await emu.containerApps.containerAppsRevisions.getRevision(
    'web-rg',
    'web',
    apps.latestRevisionName as string,
  );
  expect(latest.runningState).toBe('Running');
});
