/**
 * A revision whose images come from several registries (issue 14): the init container from `toolsacr`, the app
 * container from `acmeacr`. Through the whole pipeline (real SDK clients against the emulator): every image is
 * checked, the diagnosis names the image and registry that failed from the error text, and the second failing
 * registry is its own story (its own outcome, fix and heal) — with a truthful heal when one registry cannot be fixed.
 */
import type { Template } from '@azure/arm-appcontainers';
import type { World } from '../../emulator/api';
import { parseIncoming } from '../../src/intake';
import type { DiagnosedOutcome } from '../../src/model';
import { processItems } from '../../src/pipeline';
import { readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

const TOOLS_IMAGE = 'toolsacr.azurecr.io/migrate:3.1';
const API_IMAGE = 'acmeacr.azurecr.io/api:1.4.2';

/** missing-role, plus registry toolsacr (no role either) serving the app's init container. */
function twoRegistries(tools: Record<string, unknown> = {}): World {
  const w = readWorld('missing-role');
  const acme = w.resources.find((r) => r.type === 'Microsoft.ContainerRegistry/registries');
  if (!acme) throw new Error('no registry in the world');
  const toolsId = acme.id.replace(/acmeacr$/, 'toolsacr');
  w.resources.push({
    ...structuredClone(acme),
    id: toolsId,
    name: 'toolsacr',
    properties: { ...(acme['properties'] as object), loginServer: 'toolsacr.azurecr.io', ...tools },
  });
  w.images = { ...w.images, 'toolsacr.azurecr.io': ['migrate:3.1'] };
  for (const r of w.resources) {
    if (r.type !== 'Microsoft.App/containerApps') continue;
    const config = (r['properties'] as { configuration: { registries: Array<Record<string, unknown>> } }).configuration;
    const uai = config.registries[0]?.['identity'];
    config.registries.push({ server: 'toolsacr.azurecr.io', identity: uai });
  }
  return w;
}

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/**
 * Deploy v8 through the SDK with `change` applied to the template (default: the init container from toolsacr added);
 * run the failure event ARM raised through the pipeline.
 */
async function deployAndProcess(
  world: World,
  change: (template: Template) => Template = (tpl) => ({
    ...tpl,
    initContainers: [{ name: 'migrate', image: TOOLS_IMAGE }],
  }),
  mode = 'auto-fix',
  refusal: RegExp = /toolsacr\.azurecr\.io.*acmeacr\.azurecr\.io/s,
): Promise<DiagnosedOutcome[]> {
  const e = await startE2E('missing-role', { REMEDIATOR_MODE: mode }, { world, propagationDelayMs: 0 });
  t = e;
  const app = await e.emu.containerApps.containerApps.get('web-rg', 'web');
  await expect(
    e.emu.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
      location: app.location,
      template: change({ ...app.template, revisionSuffix: 'v8' }),
    }),
  ).rejects.toThrow(refusal);
  const items = parseIncoming(e.emu.drainEvents().filter((x) => x.eventType.endsWith('WriteFailure')));
  const outcomes = await processItems(items, e.deps);
  expect(outcomes.every((o) => o.status === 'diagnosed')).toBe(true);
  return outcomes as DiagnosedOutcome[];
}

describe('a revision failing on two registries', () => {
  it('two missing roles: two stories, each names its image and registry, each fixed; healed', async () => {
    const outcomes = await deployAndProcess(twoRegistries());
    expect(outcomes.map((o) => [o.diagnosis.kind, o.diagnosis.details.image])).toEqual([
      ['acr-pull/missing-role', TOOLS_IMAGE],
      ['acr-pull/missing-role', API_IMAGE],
    ]);
    const [first, second] = outcomes;
    expect(first?.diagnosis.details.otherFailingRegistries).toEqual(['acmeacr.azurecr.io']);
    expect(first?.diagnosis.evidence.join('\n')).toContain(`also failed to pull ${API_IMAGE} from acmeacr.azurecr.io`);
    expect(second?.eventId).toBe(`${first?.eventId ?? ''}#acmeacr.azurecr.io`);
    expect(outcomes.map((o) => o.actions[0]?.scope)).toEqual([
      expect.stringMatching(/registries\/toolsacr$/),
      expect.stringMatching(/registries\/acmeacr$/),
    ]);
    expect(outcomes.map((o) => o.actions[0]?.status)).toEqual(['applied', 'applied']);
    // One redeploy serves both stories (the second finds it claimed); its heal check sees a revision running both.
    expect(outcomes[1]?.actions[1]?.reason).toMatch(/already scheduled by another delivery/);
    const runs = (await t?.settle()) ?? [];
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    const rev = await t?.deps.arm.getRevision(first?.diagnosis.details.appId ?? '', final?.revisionName ?? '');
    expect(rev?.runningState).toBe('Running');
    expect(rev?.containers.map((c) => c.image)).toEqual([TOOLS_IMAGE, API_IMAGE]);
  });

  it('one registry unreachable: its story is manual with no write; the other is fixed but never reported healed', async () => {
    const outcomes = await deployAndProcess(
      twoRegistries({ publicNetworkAccess: 'Disabled', networkRuleSet: { defaultAction: 'Deny', ipRules: [] } }),
    );
    expect(outcomes.map((o) => [o.diagnosis.kind, o.diagnosis.details.loginServer])).toEqual([
      ['acr-pull/network-blocked', 'toolsacr.azurecr.io'],
      ['acr-pull/missing-role', 'acmeacr.azurecr.io'],
    ]);
    expect(outcomes[0]?.actions.filter((a) => a.status === 'applied')).toEqual([]);
    expect(outcomes[1]?.actions[0]).toMatchObject({ type: 'assign-role', status: 'applied' });
    const roleWrites = (t?.writes() ?? []).filter((w) => /roleAssignments/i.test(w.path));
    expect(roleWrites.map((w) => w.path)).toEqual([expect.stringMatching(/registries\/acmeacr\//)]);
    const runs = await t?.settle();
    expect((runs ?? []).map((r) => r.result.status)).not.toContain('healed');
  });
});

describe('two images from the same registry (main container and sidecar)', () => {
  const WORKER_IMAGE = 'acmeacr.azurecr.io/worker:2.0.0';

  /** Deploy v8 with a sidecar from acmeacr (and, when `tools`, an init container from toolsacr); run the pipeline. */
  const deploySidecar = (mode: string, tools: boolean): Promise<DiagnosedOutcome[]> =>
    deployAndProcess(
      twoRegistries(),
      (tpl) => ({
        ...tpl,
        ...(tools ? { initContainers: [{ name: 'migrate', image: TOOLS_IMAGE }] } : {}),
        containers: [
          { ...tpl.containers?.[0], image: API_IMAGE },
          { name: 'worker', image: WORKER_IMAGE },
        ],
      }),
      mode,
      /UNAUTHORIZED/,
    );

  it('auto-fix: one story naming both images, one role assignment, healed on a revision running both', async () => {
    const outcomes = await deploySidecar('auto-fix', false);
    expect(outcomes).toHaveLength(1);
    const d = outcomes[0]?.diagnosis;
    expect(d?.kind).toBe('acr-pull/missing-role');
    expect(d?.details.images).toEqual([API_IMAGE, WORKER_IMAGE]);
    expect(d?.summary).toContain(`${API_IMAGE} and ${WORKER_IMAGE}`);
    expect(d?.evidence.join('\n')).toContain(`also failed to pull ${WORKER_IMAGE} from the same registry the same way`);
    expect(outcomes[0]?.actions.map((a) => [a.type, a.status])).toEqual([
      ['assign-role', 'applied'],
      ['redeploy-revision', 'applied'],
    ]);
    expect((t?.writes() ?? []).filter((w) => /roleAssignments/i.test(w.path))).toHaveLength(1);
    const runs = (await t?.settle()) ?? [];
    const final = runs[runs.length - 1]?.result;
    expect(final?.status).toBe('healed');
    const rev = await t?.deps.arm.getRevision(d?.details.appId ?? '', final?.revisionName ?? '');
    expect(rev?.runningState).toBe('Running');
    expect(rev?.containers.map((c) => c.image)).toEqual([API_IMAGE, WORKER_IMAGE]);
  });

  it('dry-run: the same one story, nothing written', async () => {
    const outcomes = await deploySidecar('dry-run', false);
    expect(outcomes.map((o) => [o.diagnosis.kind, o.diagnosis.details.images])).toEqual([
      ['acr-pull/missing-role', [API_IMAGE, WORKER_IMAGE]],
    ]);
    expect(outcomes[0]?.actions.map((a) => a.status)).toEqual(['planned', 'planned']);
    // the only write is the test's own refused deployment
    expect((t?.writes() ?? []).map((w) => w.method)).toEqual(['PATCH']);
  });

  it('with an init container from a second registry: two stories, the acmeacr one names both of its images', async () => {
    const outcomes = await deploySidecar('auto-fix', true);
    expect(outcomes.map((o) => [o.diagnosis.details.loginServer, o.diagnosis.details.images])).toEqual([
      ['toolsacr.azurecr.io', undefined],
      ['acmeacr.azurecr.io', [API_IMAGE, WORKER_IMAGE]],
    ]);
    expect(outcomes.map((o) => o.actions[0]?.scope)).toEqual([
      expect.stringMatching(/registries\/toolsacr$/),
      expect.stringMatching(/registries\/acmeacr$/),
    ]);
  });
});
