/**
 * Registries outside ACR (issue 14), through the real SDK clients against the emulator (world `externalRegistries`):
 * a GHCR pull with a username the registry refuses is `registry-auth/credentials-rejected`, Docker Hub's anonymous
 * throttle is `registry-auth/rate-limited` — never `registry-not-found`, never ACR advice, and zero writes in auto-fix
 * (both are manual) as in dry-run.
 */
import type { World } from '../../emulator/api';
import { deployWebV8, readWorld, startE2E, type E2E } from './e2e-helpers';

jest.setTimeout(30_000);

let t: E2E | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** missing-role's app deploying `image` with `registries`, the world knowing `external`. */
function externalWorld(external: NonNullable<World['externalRegistries']>): World {
  return { ...readWorld('missing-role'), externalRegistries: external };
}

async function deployed(
  world: World,
  image: string,
  registries: Array<Record<string, string>>,
  env: Record<string, string>,
): Promise<{ e: E2E; error: string }> {
  const e = await startE2E('missing-role', env, { world });
  const error = await deployWebV8(e, (app) => ({
    ...app,
    configuration: { ...app.configuration, registries, secrets: [{ name: 'ghcr-token', value: 'not-logged' }] },
    template: { ...app.template, containers: [{ name: 'api', image }] },
  }));
  return { e, error };
}

const GHCR = externalWorld({ 'ghcr.io': { users: ['contoso-bot'] } });
const GHCR_ENTRY = [{ server: 'ghcr.io', username: 'old-bot', passwordSecretRef: 'ghcr-token' }];
const HUB = externalWorld({ 'docker.io': { rateLimited: true } });

describe.each(['auto-fix', 'dry-run'])('registries outside ACR (%s)', (mode) => {
  it('GHCR refuses the username: credentials-rejected, manual, no ACR advice, zero writes', async () => {
    const { e, error } = await deployed(GHCR, 'ghcr.io/contoso/api:2.1', GHCR_ENTRY, { REMEDIATOR_MODE: mode });
    t = e;
    expect(error).toContain('UNAUTHORIZED');
    const before = e.writes().length;
    const { result, diagnosis } = await e.run();
    expect(diagnosis.kind).toBe('registry-auth/credentials-rejected');
    expect(diagnosis.details.loginServer).toBe('ghcr.io');
    expect(JSON.stringify(diagnosis)).not.toMatch(/az acr|AcrPull/);
    expect(diagnosis.manualSteps?.join('\n')).toMatch(
      /az containerapp registry set --name web --resource-group web-rg --server ghcr\.io --username old-bot/,
    );
    expect(result.actions.filter((a) => a.status !== 'manual')).toEqual([]);
    expect(e.writes().slice(before)).toEqual([]);
  });

  it("Docker Hub's anonymous throttle: rate-limited, manual, zero writes", async () => {
    const { e, error } = await deployed(HUB, 'docker.io/library/nginx:1.27', [], { REMEDIATOR_MODE: mode });
    t = e;
    expect(error).toContain('TOOMANYREQUESTS');
    const before = e.writes().length;
    const { result, diagnosis } = await e.run();
    expect(diagnosis.kind).toBe('registry-auth/rate-limited');
    expect(diagnosis.manualSteps?.length).toBeGreaterThan(0);
    expect(result.actions.filter((a) => a.status !== 'manual')).toEqual([]);
    expect(e.writes().slice(before)).toEqual([]);
  });
});

it('the accepted username pulls (the emulator is not refusing everything)', async () => {
  const entry = [{ server: 'ghcr.io', username: 'contoso-bot', passwordSecretRef: 'ghcr-token' }];
  const e = await startE2E('missing-role', {}, { world: GHCR });
  t = e;
  const app = await e.emu.containerApps.containerApps.get('web-rg', 'web');
  await e.emu.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
    location: app.location,
    configuration: { ...app.configuration, registries: entry, secrets: [{ name: 'ghcr-token', value: 'x' }] },
    template: {
      ...app.template,
      revisionSuffix: 'v8',
      containers: [{ name: 'api', image: 'ghcr.io/contoso/api:2.1' }],
    },
  });
  const rev = await e.emu.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v8');
  expect(rev.runningState).toBe('Running');
});
