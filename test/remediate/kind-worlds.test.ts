/**
 * One world file per diagnosis kind of issue 14's families (acr-pull, registry-auth, secret-ref): each
 * test/worlds/<kind-slug>.json is loaded into the emulator, its event file delivered through intake and the whole
 * pipeline (real SDK clients over HTTPS), and the outcome checked in auto-fix and dry-run: the kind, the actions and
 * their statuses, the heal status (after the clocked heal checks), and the writes ARM saw — zero for every manual kind
 * and for every dry-run.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseIncoming } from '../../src/intake';
import type { DiagnosedOutcome, HealStatus } from '../../src/model';
import { processItems } from '../../src/pipeline';
import { readWorld, startE2E, WORLDS, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

type Actions = Array<[string, string]>;
interface KindCase {
  world: string;
  kind: string;
  /** auto-fix: the actions, and the heal status once the heal checks have run (undefined: no heal promised). */
  autoFix: Actions;
  healed?: HealStatus;
  /** dry-run: the actions (nothing is ever written). */
  dryRun: Actions;
}

const FIXED: Actions = [
  ['assign-role', 'applied'],
  ['redeploy-revision', 'applied'],
];
const PLANNED: Actions = [
  ['assign-role', 'planned'],
  ['redeploy-revision', 'planned'],
];
const manual = (world: string, kind: string): KindCase => ({ world, kind, autoFix: [], dryRun: [] });

const CASES: KindCase[] = [
  { world: 'missing-role', kind: 'acr-pull/missing-role', autoFix: FIXED, healed: 'healed', dryRun: PLANNED },
  {
    world: 'abac-role-mismatch',
    kind: 'acr-pull/abac-role-mismatch',
    autoFix: FIXED,
    healed: 'healed',
    dryRun: PLANNED,
  },
  {
    world: 'system-identity-on-create',
    kind: 'acr-pull/system-identity-on-create',
    autoFix: FIXED,
    healed: 'healed',
    dryRun: PLANNED,
  },
  {
    // enable-arm-token-auth is off by default (it loosens a registry security setting): blocked, and so its redeploy.
    world: 'arm-token-auth-disabled',
    kind: 'acr-pull/arm-token-auth-disabled',
    autoFix: [
      ['enable-arm-token-auth', 'blocked'],
      ['redeploy-revision', 'blocked'],
    ],
    dryRun: [
      ['enable-arm-token-auth', 'blocked'],
      ['redeploy-revision', 'blocked'],
    ],
  },
  {
    world: 'role-propagating',
    kind: 'acr-pull/role-propagating',
    autoFix: [['redeploy-revision', 'applied']],
    healed: 'healed',
    dryRun: [['redeploy-revision', 'planned']],
  },
  {
    // A manual Container Apps job whose update ARM refused: the role is fixed, the team must deploy again (nothing is
    // redeployed, the job is not started: start-job-execution is off by default and names the step).
    world: 'job-missing-role',
    kind: 'acr-pull/missing-role',
    autoFix: [
      ['assign-role', 'applied'],
      ['redeploy-revision', 'manual'],
      ['start-job-execution', 'manual'],
    ],
    healed: 'awaiting-deployment',
    dryRun: [
      ['assign-role', 'planned'],
      ['redeploy-revision', 'manual'],
      ['start-job-execution', 'manual'],
    ],
  },
  manual('identity-not-attached', 'acr-pull/identity-not-attached'),
  manual('no-registry-identity', 'acr-pull/no-registry-identity'),
  manual('image-not-found', 'acr-pull/image-not-found'),
  manual('network-blocked', 'acr-pull/network-blocked'),
  manual('registry-not-found', 'acr-pull/registry-not-found'),
  manual('registry-auth-credentials-rejected', 'registry-auth/credentials-rejected'),
  manual('registry-auth-rate-limited', 'registry-auth/rate-limited'),
  manual('secret-ref-key-vault-access-denied', 'secret-ref/key-vault-access-denied'),
];

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Deliver the world's event file through intake and the pipeline; then let the clocked heal checks run. */
async function deliver(world: string, mode: string): Promise<{ outcome: DiagnosedOutcome; final?: HealStatus }> {
  t = await startE2E(world, { REMEDIATOR_MODE: mode });
  const items = parseIncoming(JSON.parse(readFileSync(resolve(WORLDS, `${world}.event.json`), 'utf8')));
  const outcomes = await processItems(items, t.deps);
  expect(outcomes.map((o) => o.status)).toEqual(['diagnosed']);
  const runs = await t.settle();
  const outcome = outcomes[0] as DiagnosedOutcome;
  const final = runs.length ? runs[runs.length - 1]?.result.status : outcome.heal?.status;
  return final ? { outcome, final } : { outcome };
}

const statuses = (o: DiagnosedOutcome): Actions => o.actions.map((a) => [a.type, a.status]);

describe.each(CASES.map((c) => [c.world, c] as const))('world %s', (_name, c) => {
  it(`auto-fix: ${c.kind}, the actions applied or manual, heal ${c.healed ?? 'not promised'}`, async () => {
    const { outcome, final } = await deliver(c.world, 'auto-fix');
    expect(outcome.diagnosis.kind).toBe(c.kind);
    expect(statuses(outcome)).toEqual(c.autoFix);
    expect(final).toBe(c.healed);
    if (c.healed === 'healed') {
      const name = outcome.diagnosis.details.appName ?? 'web';
      const app = await t?.emu.containerApps.containerApps.get('web-rg', name);
      const rev = await t?.emu.containerApps.containerAppsRevisions.getRevision(
        'web-rg',
        name,
        app?.latestReadyRevisionName ?? '',
      );
      expect(rev?.runningState).toBe('Running');
      expect(rev?.template?.containers?.map((x) => x.image)).toContain(outcome.diagnosis.details.image);
    }
    if (c.autoFix.every(([, s]) => s !== 'applied')) expect(t?.writes()).toEqual([]);
  });

  it(`dry-run: ${c.kind}, nothing written`, async () => {
    const { outcome, final } = await deliver(c.world, 'dry-run');
    expect(outcome.diagnosis.kind).toBe(c.kind);
    expect(statuses(outcome)).toEqual(c.dryRun);
    expect(final).not.toBe('healed');
    expect(t?.writes()).toEqual([]);
  });
});

describe('the Key Vault secret reference world', () => {
  it('names the secret and the identity, gives the manual steps, and grants nothing', async () => {
    const { outcome } = await deliver('secret-ref-key-vault-access-denied', 'auto-fix');
    const d = outcome.diagnosis;
    expect(d.details.secretRef).toMatchObject({ name: 'db-password', identity: expect.stringMatching(/web-pull$/) });
    expect(d.summary).toContain('db-password');
    expect(d.manualSteps?.join('\n')).toContain('--role "Key Vault Secrets User"');
    expect(d.manualSteps?.join('\n')).toContain('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d');
    expect(JSON.stringify(d)).not.toMatch(/AcrPull/);
  });

  it('the emulator refuses the write with ARM text until the identity holds Key Vault Secrets User, then accepts it', async () => {
    t = await startE2E('secret-ref-key-vault-access-denied');
    const world = readWorld('secret-ref-key-vault-access-denied');
    const vaultId = world.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults')?.id ?? '';
    const app = await t.emu.containerApps.containerApps.get('web-rg', 'web');
    const uai = Object.keys(app.identity?.userAssignedIdentities ?? {})[0] ?? '';
    const update = () =>
      t?.emu.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
        location: app.location,
        configuration: {
          ...app.configuration,
          secrets: [
            { name: 'db-password', keyVaultUrl: 'https://web-kv.vault.azure.net/secrets/db-password', identity: uai },
          ],
        },
        ...(app.template ? { template: app.template } : {}),
      });
    await expect(update()).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidParameterValueInContainerTemplate',
      message: expect.stringContaining(
        `Field 'configuration.secrets' is invalid with details: 'Invalid value: "db-password": Unable to get value using Managed identity ${uai} for secret db-password.`,
      ),
    });
    // No revision was created: the app still runs web--v6.
    expect((await t.emu.containerApps.containerApps.get('web-rg', 'web')).latestRevisionName).toBe('web--v6');
    await t.emu.authorization.roleAssignments.create(vaultId, '6f5e4d3c-2b1a-4098-8765-43210fedcba9', {
      roleDefinitionId: `/subscriptions/${vaultId.split('/')[2] ?? ''}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
      principalId: '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
      principalType: 'ServicePrincipal',
    });
    t.emu.clock.advance(10 * 60_000); // past the role's propagation
    await expect(update()).resolves.toBeDefined();
  });
});
