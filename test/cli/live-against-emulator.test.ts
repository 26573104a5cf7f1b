/**
 * The CLI's live commands (`replay`, `diagnose --live`) against the ARM emulator instead of Azure: ARM_ENDPOINT is
 * the emulator's loopback URL and REMEDIATOR_EMULATOR_CA its certificate, exactly as an operator would run them
 * after `remediator emulator`. The emulator's request log proves what was (not) written.
 */
import { join, resolve } from 'node:path';
import type { RunningEmulator } from '../../emulator/api';
import { startEmulator, loadWorld } from '../../emulator';
import type { Outcome } from '../../src/model';
import { runCliCaptured } from '../helpers/cli-run';

const ROOT = resolve(__dirname, '..', '..');
const EVENT = join(ROOT, 'test/worlds/seed-story.event.json');

const run = runCliCaptured;

describe('live commands against the ARM emulator', () => {
  let emulator: RunningEmulator;
  let env: Record<string, string>;
  beforeEach(async () => {
    emulator = await startEmulator({ world: loadWorld(join(ROOT, 'test/worlds/seed-story.json')) });
    env = { ARM_ENDPOINT: emulator.endpoint, REMEDIATOR_EMULATOR_CA: emulator.caPath, LOG_LEVEL: 'silent' };
  });
  afterEach(() => emulator.stop());

  it('diagnose --live reads the real state and names the cause, writing nothing', async () => {
    const r = await run(['diagnose', '--live', '--event', EVENT, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      diagnoses: Array<{ kind: string; details: { identity?: { principalId?: string } } }>;
    };
    expect(doc.diagnoses.map((d) => d.kind)).toEqual(['acr-pull/missing-role']);
    expect(doc.diagnoses[0]?.details.identity?.principalId).toBe('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
    expect(emulator.requestLog.length).toBeGreaterThan(0);
    expect(emulator.requestLog.filter((e) => e.method !== 'GET' && !/ResourceGraph\/resources$/i.test(e.path))).toEqual(
      [],
    );
  });

  it('replay stays in dry-run even when the REMEDIATOR_MODE setting says auto-fix: zero writes', async () => {
    const r = await run(['replay', '--file', EVENT, '--json'], { ...env, REMEDIATOR_MODE: 'auto-fix' });
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as { outcomes: Outcome[] };
    expect(outcomes[0]?.mode).toBe('dry-run');
    expect(outcomes[0]?.actions?.map((a) => a.status)).toEqual(['planned', 'planned']);
    expect(emulator.requestLog.filter((e) => e.method !== 'GET' && !/ResourceGraph\/resources$/i.test(e.path))).toEqual(
      [],
    );
  });

  it('replay --mode auto-fix writes the role assignment once', async () => {
    const r = await run(['replay', '--file', EVENT, '--mode', 'auto-fix', '--json'], env);
    expect(r.code).toBe(0);
    const { outcomes } = JSON.parse(r.stdout) as { outcomes: Outcome[] };
    expect(outcomes[0]?.actions?.[0]).toMatchObject({ type: 'assign-role', status: 'applied' });
    // No storage configured: nothing would run a delayed redeploy, and the outcome says so instead of promising it.
    expect(outcomes[0]?.actions?.[1]).toMatchObject({ type: 'redeploy-revision', status: 'blocked' });
    expect(outcomes[0]?.actions?.[1]?.reason).toMatch(/no storage queue is configured.*by hand after \d{4}-\d\d-\d\dT/);
    const puts = emulator.requestLog.filter((e) => e.method === 'PUT' && /roleassignments/i.test(e.path));
    expect(puts).toHaveLength(1);
  });

  it('a loopback ARM_ENDPOINT without the emulator CA is refused with a clear message', async () => {
    const r = await run(['replay', '--file', EVENT], { ARM_ENDPOINT: emulator.endpoint });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REMEDIATOR_EMULATOR_CA/);
  });
});
