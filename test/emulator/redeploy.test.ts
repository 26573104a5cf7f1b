/**
 * Conformance: container app writes (PATCH / PUT long-running operations), redeploys that re-evaluate every image pull,
 * restartRevision, registry updates with both LRO styles, and the Event Grid events / Activity Log entries writes raise.
 */
import type { ContainerApp } from '@azure/arm-appcontainers';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { APP_ID, REGISTRY_ID, SHARED_SUB, SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';
import { loadWorld } from '../../emulator/world';

const ACR_PULL_DEF = `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;

async function grantAcrPull(
  t: TestEmulator,
  principalId: string,
  name = 'c0c0c0c0-1111-4222-8333-444444444444',
): Promise<void> {
  await t.clientsFor(SHARED_SUB).authorization.roleAssignments.create(REGISTRY_ID, name, {
    roleDefinitionId: ACR_PULL_DEF,
    principalId,
    principalType: 'ServicePrincipal',
  });
}

function redeployPatch(app: ContainerApp, suffix: string): ContainerApp {
  return { location: app.location, template: { ...app.template, revisionSuffix: suffix } };
}

describe('container app redeploys', () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator('test/worlds/missing-role.json');
  });
  afterEach(async () => {
    await t.stop();
  });

  test('PATCH redeploy before the fix: the LRO fails with ContainerAppOperationError and a Failed revision', async () => {
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    await expect(
      t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', redeployPatch(app, 'v8')),
    ).rejects.toMatchObject({
      // core-lro reports a failed operation as an Error whose message carries the ARM error code and message
      message: expect.stringMatching(
        /ContainerAppOperationError\. Failed to provision revision .*UNAUTHORIZED: authentication required/,
      ),
    });
    const rev = await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v8');
    expect(rev).toMatchObject({ provisioningState: 'Failed', runningState: 'Failed', healthState: 'Unhealthy' });
    expect(rev.provisioningError).toMatch(
      /^Failed to provision revision for container app 'web'\. .*Field 'template\.containers\.api\.image' is invalid .*UNAUTHORIZED/,
    );
    const after = await t.containerApps.containerApps.get('web-rg', 'web');
    expect(after).toMatchObject({
      provisioningState: 'Failed',
      latestRevisionName: 'web--v8',
      latestReadyRevisionName: 'web--v6',
    });
  });

  test('after assigning AcrPull and waiting out propagation, a redeploy heals: new revision Running, pointers updated', async () => {
    await grantAcrPull(t, UAI_PRINCIPAL);
    t.clock.advance(5 * 60_000);
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    const updated = await t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', redeployPatch(app, 'v8'));
    expect(updated).toMatchObject({
      provisioningState: 'Succeeded',
      latestRevisionName: 'web--v8',
      latestReadyRevisionName: 'web--v8',
    });
    const rev = await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v8');
    expect(rev).toMatchObject({
      provisioningState: 'Provisioned',
      runningState: 'Running',
      healthState: 'Healthy',
      active: true,
      trafficWeight: 100,
    });
    expect(rev.provisioningError).toBeUndefined();
    expect((await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v6')).active).toBe(false);
  });

  test('a redeploy while the new assignment is still propagating fails again', async () => {
    await grantAcrPull(t, UAI_PRINCIPAL);
    t.clock.advance(60_000);
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    await expect(
      t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', redeployPatch(app, 'v8')),
    ).rejects.toThrow(/ContainerAppOperationError/);
  });

  test('a PATCH without a template change creates no revision; a template change without suffix gets a generated one', async () => {
    await t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
      location: 'West Europe',
      tags: { team: 'web' },
    });
    const revs = [];
    for await (const r of t.containerApps.containerAppsRevisions.listRevisions('web-rg', 'web')) revs.push(r.name);
    expect(revs.sort()).toEqual(['web--v6', 'web--v7']);
    expect((await t.containerApps.containerApps.get('web-rg', 'web')).tags).toEqual({ team: 'web' });

    await grantAcrPull(t, UAI_PRINCIPAL);
    t.clock.advance(5 * 60_000);
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    const template = { ...app.template, containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:1.4.1' }] };
    const updated = await t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', {
      location: app.location,
      template,
    });
    expect(updated.latestRevisionName).toMatch(/^web--[0-9a-f]{7}$/);
    expect(updated.latestReadyRevisionName).toBe(updated.latestRevisionName);
  });

  test('init container images are evaluated too', async () => {
    await grantAcrPull(t, UAI_PRINCIPAL);
    t.clock.advance(5 * 60_000);
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    const template = {
      ...app.template,
      revisionSuffix: 'v9',
      initContainers: [{ name: 'migrate', image: 'acmeacr.azurecr.io/migrate:1.0.0' }],
    };
    await expect(
      t.containerApps.containerApps.beginUpdateAndWait('web-rg', 'web', { location: app.location, template }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        "Field 'template.initContainers.migrate.image' is invalid with details: 'Invalid value: \"acmeacr.azurecr.io/migrate:1.0.0\": GET https:: NAME_UNKNOWN",
      ),
    });
  });

  test('restartRevision re-evaluates the failed revision after a fix', async () => {
    await grantAcrPull(t, UAI_PRINCIPAL);
    t.clock.advance(5 * 60_000);
    await t.containerApps.containerAppsRevisions.restartRevision('web-rg', 'web', 'web--v7');
    const rev = await t.containerApps.containerAppsRevisions.getRevision('web-rg', 'web', 'web--v7');
    expect(rev).toMatchObject({ provisioningState: 'Provisioned', runningState: 'Running', healthState: 'Healthy' });
    expect((await t.containerApps.containerApps.get('web-rg', 'web')).latestReadyRevisionName).toBe('web--v7');
    const restart = t.requestLog.find((r) => r.method === 'POST');
    expect(restart).toMatchObject({ status: 200, write: true, path: `${APP_ID}/revisions/web--v7/restart` });
  });

  test('writes raise ARM Event Grid events; reads raise none', async () => {
    const app = await t.containerApps.containerApps.get('web-rg', 'web');
    expect(t.drainEvents()).toEqual([]);
    await t.containerApps.containerApps
      .beginUpdateAndWait('web-rg', 'web', redeployPatch(app, 'v8'))
      .catch(() => undefined);
    await grantAcrPull(t, UAI_PRINCIPAL);
    const events = t.drainEvents();
    expect(events.map((e) => e.eventType)).toEqual([
      'Microsoft.Resources.ResourceWriteFailure',
      'Microsoft.Resources.ResourceWriteSuccess',
    ]);
    const [failure, success] = events;
    expect(failure).toMatchObject({
      topic: `/subscriptions/${SUB}`,
      subject: APP_ID,
      dataVersion: '2',
      metadataVersion: '1',
      eventTime: '2026-11-21T10:00:00.000Z',
      data: {
        resourceUri: APP_ID,
        operationName: 'Microsoft.App/containerApps/write',
        status: 'Failed',
        subscriptionId: SUB,
        tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        resourceProvider: 'Microsoft.App',
      },
    });
    expect(failure?.data['correlationId']).toMatch(/^[0-9a-f-]{36}$/);
    expect((failure?.data['authorization'] as Record<string, unknown>)['action']).toBe(
      'Microsoft.App/containerApps/write',
    );
    expect(success?.data).toMatchObject({
      operationName: 'Microsoft.Authorization/roleAssignments/write',
      status: 'Succeeded',
      resourceProvider: 'Microsoft.Authorization',
    });
    expect(t.drainEvents()).toEqual([]);
  });
});

describe('create with a system identity (PUT, beginCreateOrUpdateAndWait)', () => {
  test('the new system principal has no role at create time; assigning it and redeploying heals', async () => {
    const t = await startTestEmulator('test/worlds/missing-role.json');
    try {
      const app: ContainerApp = {
        location: 'westeurope',
        identity: { type: 'SystemAssigned' },
        managedEnvironmentId: `/subscriptions/${SUB}/resourceGroups/web-rg/providers/Microsoft.App/managedEnvironments/prod-env`,
        configuration: {
          activeRevisionsMode: 'Single',
          registries: [{ server: 'acmeacr.azurecr.io', identity: 'system' }],
        },
        template: { revisionSuffix: 'first', containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:latest' }] },
      };
      await expect(t.containerApps.containerApps.beginCreateOrUpdateAndWait('web-rg', 'api2', app)).rejects.toThrow(
        /ContainerAppOperationError/,
      );
      const created = await t.containerApps.containerApps.get('web-rg', 'api2');
      expect(created.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.latestRevisionName).toBe('api2--first');
      await grantAcrPull(t, created.identity?.principalId ?? '');
      t.clock.advance(5 * 60_000);
      const healed = await t.containerApps.containerApps.beginCreateOrUpdateAndWait('web-rg', 'api2', {
        ...app,
        template: { ...app.template, revisionSuffix: 'second' },
      });
      expect(healed).toMatchObject({ provisioningState: 'Succeeded', latestReadyRevisionName: 'api2--second' });
      expect(healed.identity?.principalId).toBe(created.identity?.principalId);
    } finally {
      await t.stop();
    }
  });
});

describe('registry update (PATCH, long-running) in both LRO styles', () => {
  for (const style of ['azure-async-operation', 'location'] as const) {
    test(`${style}: enabling authentication-as-arm, then a redeploy heals arm-token-auth-disabled`, async () => {
      const t = await startTestEmulator('test/worlds/arm-token-auth-disabled.json');
      try {
        if (style === 'location') t.setLroStyle(REGISTRY_ID.toUpperCase(), 'location');
        const reg = t.clientsFor(SHARED_SUB).registries;
        const updated = await reg.registries.update('shared-rg', 'acmeacr', {
          policies: { azureADAuthenticationAsArmPolicy: { status: 'enabled' } },
        });
        expect(updated.policies?.azureADAuthenticationAsArmPolicy?.status).toBe('enabled');
        expect(updated.policies?.exportPolicy?.status).toBe('enabled'); // PATCH merges, does not replace
        const patch = t.requestLog.find((r) => r.method === 'PATCH');
        expect(patch).toMatchObject({ status: 202, write: true });
        const polls = t.requestLog.filter((r) => r.seq > (patch?.seq ?? 0));
        expect(polls.every((p) => p.method === 'GET' && !p.write)).toBe(true);
        expect(polls[0]?.path).toMatch(style === 'location' ? /\/operationResults\// : /\/operationStatuses\//);
        const app = await t.containerApps.containerApps.get('web-rg', 'web');
        const healed = await t.containerApps.containerApps.beginUpdateAndWait(
          'web-rg',
          'web',
          redeployPatch(app, 'v8'),
        );
        expect(healed.latestReadyRevisionName).toBe('web--v8');
      } finally {
        await t.stop();
      }
    });
  }

  test('the LRO style can also be chosen per request (x-emulator-lro-style header) or per world (lroStyles)', async () => {
    const w = loadWorld('test/worlds/arm-token-auth-disabled.json');
    w.lroStyles = { [REGISTRY_ID]: 'location' };
    const t = await startTestEmulator(w);
    try {
      const reg = t.clientsFor(SHARED_SUB).registries;
      await reg.registries.update('shared-rg', 'acmeacr', { tags: { a: '1' } });
      await reg.registries.update(
        'shared-rg',
        'acmeacr',
        { tags: { a: '2' } },
        { requestOptions: { headers: { 'x-emulator-lro-style': 'azure-async-operation' } } },
      );
      const pollKinds = t.requestLog
        .filter((r) => /operation(Results|Statuses)/.test(r.path))
        .map((r) => (r.path.includes('operationResults') ? 'location' : 'async'));
      expect(pollKinds[0]).toBe('location');
      expect(pollKinds).toContain('async');
      expect((await reg.registries.get('shared-rg', 'acmeacr')).tags).toEqual({ a: '2' });
    } finally {
      await t.stop();
    }
  });
});

describe('activity log', () => {
  test('activityLogs.list filters by eventTimestamp range and correlationId', async () => {
    const t = await startTestEmulator('test/worlds/arm-authz-missing-role.json');
    try {
      const entries = [];
      const filter =
        "eventTimestamp ge '2026-11-21T09:00:00Z' and eventTimestamp le '2026-11-21T10:00:00Z' and correlationId eq 'a11ce000-5678-4def-9abc-012345678916'";
      for await (const e of t.monitor.activityLogs.list(filter)) entries.push(e);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.status?.value).toBe('Failed');
      expect(JSON.parse(String(entries[0]?.properties?.['statusMessage'])).error.code).toBe('AuthorizationFailed');
      const none = [];
      for await (const e of t.monitor.activityLogs.list(
        "eventTimestamp ge '2026-11-21T09:59:30Z' and eventTimestamp le '2026-11-21T10:00:00Z' and correlationId eq 'a11ce000-5678-4def-9abc-012345678916'",
      ))
        none.push(e);
      expect(none).toHaveLength(0);
    } finally {
      await t.stop();
    }
  });

  test('emulator writes are recorded in the Activity Log under the request correlation id', async () => {
    const t = await startTestEmulator('test/worlds/missing-role.json');
    try {
      const app = await t.containerApps.containerApps.get('web-rg', 'web');
      await t.containerApps.containerApps
        .beginUpdateAndWait('web-rg', 'web', redeployPatch(app, 'v8'))
        .catch(() => undefined);
      const correlationId = String(t.drainEvents()[0]?.data['correlationId']);
      const entries = [];
      for await (const e of t.monitor.activityLogs.list(
        `eventTimestamp ge '2026-11-21T09:00:00Z' and eventTimestamp le '2026-11-21T11:00:00Z' and correlationId eq '${correlationId}'`,
      ))
        entries.push(e);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.operationName?.value).toBe('Microsoft.App/containerApps/write');
      expect(JSON.parse(String(entries[0]?.properties?.['statusMessage'])).error.code).toBe(
        'ContainerAppOperationError',
      );
    } finally {
      await t.stop();
    }
  });
});
