/**
 * `remediator simulate --json` (CONTRACTS.md §2) over issue 14's world files: exactly one JSON document with
 * `outcomes`, the contract's fields, the new kinds and the new fix type `start-job-execution`; manual kinds write
 * nothing to the world.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ACTION_TYPES, type Outcome } from '../../src/model';
import { runCliCaptured } from '../helpers/cli-run';

jest.setTimeout(60_000);

const WORLDS = resolve(__dirname, '..', 'worlds');
const tmp = mkdtempSync(join(tmpdir(), 'remediator-sim14-'));

async function simulate(world: string, mode: string, env: Record<string, string> = {}) {
  const worldOut = join(tmp, `${world}-${mode}.json`);
  const { code, stdout } = await runCliCaptured(
    [
      'simulate',
      '--world',
      join(WORLDS, `${world}.json`),
      '--event',
      join(WORLDS, `${world}.event.json`),
      '--mode',
      mode,
      '--json',
      '--world-out',
      worldOut,
    ],
    env,
  );
  const doc = JSON.parse(stdout) as { outcomes: Outcome[] };
  const before = JSON.parse(readFileSync(join(WORLDS, `${world}.json`), 'utf8')) as { resources: unknown[] };
  const after = JSON.parse(readFileSync(worldOut, 'utf8')) as { resources: Array<{ type: string }> };
  return { code, doc, before, after };
}

const roleAssignments = (w: { resources: Array<{ type: string }> }) =>
  w.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments').length;

describe.each(['dry-run', 'auto-fix'])('simulate --json, %s', (mode) => {
  it.each([
    ['secret-ref-key-vault-access-denied', 'secret-ref/key-vault-access-denied'],
    ['registry-auth-credentials-rejected', 'registry-auth/credentials-rejected'],
    ['registry-auth-rate-limited', 'registry-auth/rate-limited'],
  ])('%s: the contract document, kind %s, no action, the world unchanged', async (world, kind) => {
    const { code, doc, before, after } = await simulate(world, mode);
    expect(code).toBe(0);
    expect(Object.keys(doc)).toEqual(['outcomes']);
    const [o] = doc.outcomes;
    expect(o).toMatchObject({ status: 'diagnosed', diagnosis: { kind, summary: expect.any(String) } });
    expect(o?.diagnosis?.evidence.length).toBeGreaterThan(0);
    expect(o?.actions).toEqual([]);
    expect(o?.heal).toBeUndefined();
    expect(roleAssignments(after)).toBe(roleAssignments(before as { resources: Array<{ type: string }> }));
  });
});

describe('simulate --json on the manual job whose update ARM refused', () => {
  it('auto-fix with start-job-execution allowed: AcrPull applied, the start planned for the heal check, awaiting-deployment', async () => {
    const { code, doc, after } = await simulate('job-missing-role', 'auto-fix', {
      REMEDIATOR_ALLOWED_FIX_TYPES: 'assign-role,redeploy-revision,start-job-execution',
    });
    expect(code).toBe(0);
    const [o] = doc.outcomes;
    expect(o?.diagnosis?.kind).toBe('acr-pull/missing-role');
    expect(o?.diagnosis?.resourceId).toMatch(/\/jobs\/batch$/);
    expect(o?.actions?.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'manual'],
      ['start-job-execution', 'planned'],
    ]);
    for (const a of o?.actions ?? []) expect(ACTION_TYPES).toContain(a.type);
    expect(o?.heal?.status).toBe('awaiting-deployment');
    expect(roleAssignments(after)).toBe(1);
    // nothing was started: the job still carries its old image
    expect(after.resources.filter((r) => r.type === 'Microsoft.App/jobs/executions')).toEqual([]);
  });

  it('dry-run, default settings: the start is a manual step with the exact command; nothing written', async () => {
    const { doc, after } = await simulate('job-missing-role', 'dry-run');
    const start = doc.outcomes[0]?.actions?.find((a) => a.type === 'start-job-execution');
    expect(start).toMatchObject({ status: 'manual' });
    expect(start?.reason).toContain('az containerapp job start --name batch --resource-group web-rg');
    expect(roleAssignments(after)).toBe(0);
  });
});
