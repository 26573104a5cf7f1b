/**
 * The seed worlds: files match their generator, load cleanly, and each behaves as its diagnosis kind says when driven
 * through the real SDK clients (the fix the remediator would apply heals it; the others stay broken for the right reason).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerApp } from '@azure/arm-appcontainers';
import { loadWorld, WorldError } from '../../emulator/world';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import {
  buildSeedCases,
  REGISTRY_ID,
  SHARED_SUB,
  SUB,
  UAI_ID,
  UAI_PRINCIPAL,
  WORLDS_DIR,
} from '../worlds/build-worlds';

const ROLE = (guid: string): string =>
  `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const ACR_PULL = '7f951dda-4ed3-4680-a7ca-43fe172d538d';
const REPO_READER = 'b93aa761-3e63-49ed-ac28-beffa264f7ac';
const world = (name: string): string => join(WORLDS_DIR, `${name}.json`);

async function grant(t: TestEmulator, principalId: string, role: string, name: string): Promise<void> {
  await t.clientsFor(SHARED_SUB).authorization.roleAssignments.create(REGISTRY_ID, name, {
    roleDefinitionId: ROLE(role),
    principalId,
    principalType: 'ServicePrincipal',
  });
}

async function redeploy(
  t: TestEmulator,
  suffix: string,
  change: Partial<ContainerApp> = {},
): Promise<{ ok: boolean; error?: string }> {
  const app = await t.containerApps.containerApps.get('web-rg', 'web');
  try {
    await t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
      location: app.location,
      template: { ...app.template, revisionSuffix: suffix },
      ...change,
    });
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

async function failingRevisionError(t: TestEmulator): Promise<string> {
  const app = await t.containerApps.containerApps.get('web-rg', 'web');
  const rev = await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', app.latestRevisionName ?? '');
  return rev.provisioningError ?? '';
}

async function withWorld(name: string, fn: (t: TestEmulator) => Promise<void>): Promise<void> {
  const t = await startTestEmulator(world(name));
  try {
    await fn(t);
  } finally {
    await t.stop();
  }
}

describe('seed world files', () => {
  const cases = buildSeedCases();

  test.each(cases.map((c) => [c.name, c] as const))('%s: world and event files match the generator', (name, c) => {
    expect(JSON.parse(readFileSync(world(name), 'utf8'))).toEqual(JSON.parse(JSON.stringify(c.world)));
    expect(JSON.parse(readFileSync(join(WORLDS_DIR, `${name}.event.json`), 'utf8'))).toEqual(c.event);
  });

  test('every world in test/worlds loads, and every world has an event file', () => {
    const names = readdirSync(WORLDS_DIR).filter((f) => f.endsWith('.json') && !f.endsWith('.event.json'));
    expect(names.length).toBeGreaterThanOrEqual(16);
    for (const f of names) {
      expect(() => loadWorld(join(WORLDS_DIR, f))).not.toThrow();
      expect(
        () => JSON.parse(readFileSync(join(WORLDS_DIR, f.replace(/\.json$/, '.event.json')), 'utf8')) as unknown,
      ).not.toThrow();
    }
  });

  test('the README table lists every world with its kind', () => {
    const readme = readFileSync(join(WORLDS_DIR, 'README.md'), 'utf8');
    for (const c of cases) expect(readme).toContain(`| ${c.name} | `);
    for (const c of cases)
      expect(readme).toMatch(new RegExp(`\\| ${c.name} \\|[^\\n]*\\| ${c.kind.replace('/', '\\/')} \\|`));
  });
});

describe('each acr-pull world behaves as its kind', () => {
  test('seed-story and missing-role: AcrPull at the registry + propagation wait + redeploy heals', async () => {
    for (const name of ['seed-story', 'missing-role']) {
      await withWorld(name, async (t) => {
        expect(await failingRevisionError(t)).toContain('UNAUTHORIZED: authentication required');
        if (name === 'seed-story') {
          await t.authorization.roleAssignments.create(
            '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr',
            'e1e1e1e1-1111-4222-8333-444444444444',
            {
              roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`,
              principalId: UAI_PRINCIPAL,
            },
          );
        } else await grant(t, UAI_PRINCIPAL, ACR_PULL, 'e1e1e1e1-1111-4222-8333-444444444444');
        t.clock.advance(5 * 60_000);
        expect(await redeploy(t, 'v8')).toEqual({ ok: true });
      });
    }
  });

  test('abac-role-mismatch: AcrPull is not honoured, Repository Reader heals', async () => {
    await withWorld('abac-role-mismatch', async (t) => {
      expect(t.canPull(UAI_PRINCIPAL, 'acmeacr.azurecr.io/api:1.4.2').ok).toBe(false);
      await grant(t, UAI_PRINCIPAL, REPO_READER, 'e2e2e2e2-1111-4222-8333-444444444444');
      t.clock.advance(5 * 60_000);
      expect(await redeploy(t, 'v8')).toEqual({ ok: true });
    });
  });

  test('system-identity-on-create: assigning AcrPull to the system principal heals', async () => {
    await withWorld('system-identity-on-create', async (t) => {
      const app = await t.containerApps.containerApps.get('web-rg', 'web');
      expect(app.latestReadyRevisionName).toBeUndefined();
      await grant(t, app.identity?.principalId ?? '', ACR_PULL, 'e3e3e3e3-1111-4222-8333-444444444444');
      t.clock.advance(5 * 60_000);
      expect(await redeploy(t, 'v2')).toEqual({ ok: true });
    });
  });

  test('arm-token-auth-disabled: the role alone is not enough; enabling the policy heals', async () => {
    await withWorld('arm-token-auth-disabled', async (t) => {
      expect((await redeploy(t, 'v8')).ok).toBe(false);
      await t.clientsFor(SHARED_SUB).registries.registries.update('shared-rg', 'acmeacr', {
        policies: { azureADAuthenticationAsArmPolicy: { status: 'enabled' } },
      });
      expect(await redeploy(t, 'v9')).toEqual({ ok: true });
    });
  });

  test('role-propagating: no role change; after the propagation window a restart heals', async () => {
    await withWorld('role-propagating', async (t) => {
      expect((await redeploy(t, 'v8')).ok).toBe(false);
      t.clock.advance(3 * 60_000); // created 09:58:00 + 5 min = 10:03:00
      await t.containerApps.containerAppsRevisions.restartRevision('web-rg', 'web', 'web--v8');
      expect((await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v8')).runningState).toBe(
        'Running',
      );
    });
  });

  test('identity-not-attached: the named identity could pull, but is not attached; attaching it heals', async () => {
    await withWorld('identity-not-attached', async (t) => {
      expect(t.canPull(UAI_PRINCIPAL, 'acmeacr.azurecr.io/api:1.4.2')).toEqual({ ok: true });
      expect((await redeploy(t, 'v8')).ok).toBe(false);
      const app = await t.containerApps.containerApps.get('web-rg', 'web');
      const identity = {
        type: 'UserAssigned' as const,
        userAssignedIdentities: { ...app.identity?.userAssignedIdentities, [UAI_ID]: {} },
      };
      expect(await redeploy(t, 'v9', { identity })).toEqual({ ok: true });
    });
  });

  test('no-registry-identity: anonymous pull refused; adding a registries[] entry with the identity heals', async () => {
    await withWorld('no-registry-identity', async (t) => {
      expect(await failingRevisionError(t)).toContain('UNAUTHORIZED');
      const app = await t.containerApps.containerApps.get('web-rg', 'web');
      expect(
        await redeploy(t, 'v8', {
          configuration: { ...app.configuration, registries: [{ server: 'acmeacr.azurecr.io', identity: UAI_ID }] },
        }),
      ).toEqual({ ok: true });
    });
  });

  test.each([
    ['image-not-found', 'MANIFEST_UNKNOWN: manifest tagged by "2.0.0" is not found; map[Tag:2.0.0]'],
    ['network-blocked', 'DENIED: client with IP'],
    ['registry-not-found', 'lookup contosoacr.azurecr.io'],
  ])('%s: fails for the right reason and no role fixes it', async (name, token) => {
    await withWorld(name, async (t) => {
      expect(await failingRevisionError(t)).toContain(token);
      if (name !== 'registry-not-found')
        await grant(t, UAI_PRINCIPAL, '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'e4e4e4e4-1111-4222-8333-444444444444'); // Owner
      t.clock.advance(10 * 60_000);
      const r = await redeploy(t, 'v8');
      expect(r.ok).toBe(false);
      expect(r.error).toContain(token);
    });
  });
});

describe('each arm-authz world carries its Activity Log entry', () => {
  test.each(
    buildSeedCases()
      .filter((c) => c.kind.startsWith('arm-authz/'))
      .map((c) => [c.name, c] as const),
  )('%s', async (name, c) => {
    const ctx = (
      c.event as { data: { alertContext: { correlationId: string; authorization: { scope: string; action: string } } } }
    ).data.alertContext;
    await withWorld(name, async (t) => {
      const entries = [];
      // the Activity Log is per subscription: ask the subscription of the denied scope
      const monitor = t.clientsFor(/^\/subscriptions\/([^/]+)/i.exec(ctx.authorization.scope)?.[1] ?? SUB).monitor;
      for await (const e of monitor.activityLogs.list(
        `eventTimestamp ge '2026-11-21T09:00:00Z' and eventTimestamp le '2026-11-21T10:00:00Z' and correlationId eq '${ctx.correlationId}'`,
      ))
        entries.push(e);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.authorization).toMatchObject({
        scope: ctx.authorization.scope,
        action: ctx.authorization.action,
      });
    });
  });
});

describe('world validation', () => {
  test('names every problem', () => {
    const path = join(tmpdir(), `bad-world-${process.pid}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        now: 'yesterday',
        resources: [
          { id: 'x', type: 'Microsoft.App/containerApps' },
          { id: '/a', type: 'T/x' },
          { id: '/A', type: 'T/x' },
        ],
        images: { 'r.azurecr.io': ['no-tag'] },
      }),
    );
    let err: unknown;
    try {
      loadWorld(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorldError);
    const msg = (err as Error).message;
    expect(msg).toContain('"now" must be an ISO-8601');
    expect(msg).toContain('resources[0].id must be an ARM resource id');
    expect(msg).toContain('resources[2].id duplicates resources[1].id');
    expect(msg).toContain('images["r.azurecr.io"][0] must look like "repo:tag"');
    expect(() => loadWorld('/nonexistent/world.json')).toThrow(/cannot read world file/);
  });
});
