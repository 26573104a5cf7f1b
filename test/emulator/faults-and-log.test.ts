/**
 * Conformance: fault injection (latency, 429 + Retry-After, 500/503, timeout, dropped connection) as the SDK's retry
 * policies see it, the 401 for a missing bearer token, the request log (write vs read), and snapshot().
 */
import { startEmulator } from '../../emulator/server';
import { validateWorld, loadWorld } from '../../emulator/world';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import { REGISTRY_ID, SHARED_SUB, UAI_PRINCIPAL } from '../worlds/build-worlds';
import { fetchJson } from './https-fetch';

const APP_PATH = 'containerApps/web$';

describe('faults', () => {
  let t: TestEmulator;
  beforeEach(async () => {
    t = await startTestEmulator('test/worlds/missing-role.json');
  });
  afterEach(async () => {
    await t.stop();
  });

  const statuses = (): number[] => t.requestLog.map((r) => r.status);

  test('429 with Retry-After on the first call: the SDK waits and retries', async () => {
    t.addFault({ kind: 'throttle', path: APP_PATH, onCall: 1, retryAfterSeconds: 0 });
    await expect(t.containerApps.containerApps.get('web-rg', 'web')).resolves.toMatchObject({ name: 'web' });
    expect(statuses()).toEqual([429, 200]);
    const raw = await (async () => {
      t.clearFaults();
      t.addFault({ kind: 'throttle', retryAfterSeconds: 7 });
      return fetchJson(t, '/subscriptions?api-version=2022-12-01');
    })();
    expect(raw.status).toBe(429);
    expect(raw.headers['retry-after']).toBe('7');
    expect(raw.body).toMatchObject({ error: { code: 'TooManyRequests' } });
  });

  test('503 twice then success (fromCall/toCall); 500 on every call exhausts the retries with the ARM error', async () => {
    t.addFault({ kind: 'error', status: 503, path: APP_PATH, fromCall: 1, toCall: 2 });
    await expect(t.containerApps.containerApps.get('web-rg', 'web')).resolves.toBeDefined();
    expect(statuses()).toEqual([503, 503, 200]);
    t.clearFaults();
    t.clearRequestLog();
    t.addFault({ kind: 'error', status: 500, method: 'GET' });
    await expect(t.containerApps.containerApps.get('web-rg', 'web')).rejects.toMatchObject({
      statusCode: 500,
      code: 'InternalServerError',
    });
    expect(statuses()).toEqual([500, 500, 500]); // 1 try + maxRetries 2
  });

  test('dropped connection and timeout (hang, then destroy) are retried by the SDK', async () => {
    t.addFault({ kind: 'drop', path: APP_PATH, times: 1 });
    await expect(t.containerApps.containerApps.get('web-rg', 'web')).resolves.toBeDefined();
    t.addFault({ kind: 'timeout', ms: 30, path: 'registries/acmeacr$', onCall: 1 });
    await expect(t.clientsFor(SHARED_SUB).registries.registries.get('shared-rg', 'acmeacr')).resolves.toMatchObject({
      name: 'acmeacr',
    });
    expect(statuses()).toEqual([0, 200, 0, 200]);
  });

  test('latency delays the answer (per rule and globally)', async () => {
    t.addFault({ kind: 'latency', ms: 40, path: APP_PATH, onCall: 1 });
    await t.containerApps.containerApps.get('web-rg', 'web');
    expect(t.requestLog[0]?.durationMs).toBeGreaterThanOrEqual(39);
    t.setLatency(25);
    await t.msi.userAssignedIdentities.get('web-rg', 'web-pull');
    expect(t.requestLog[1]?.durationMs).toBeGreaterThanOrEqual(24);
  });

  test('a 403 fault answers AuthorizationFailed worded like ARM (code and message can be overridden)', async () => {
    t.addFault({ kind: 'error', status: 403, method: 'PUT', path: 'roleAssignments', times: 1 });
    t.addFault({
      kind: 'error',
      status: 400,
      method: 'PUT',
      path: 'roleAssignments',
      code: 'PrincipalNotFound',
      message: 'Principal x does not exist in the directory.',
    });
    const def = `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
    const create = (): Promise<unknown> =>
      t
        .clientsFor(SHARED_SUB)
        .authorization.roleAssignments.create(REGISTRY_ID, 'efefefef-1111-4222-8333-444444444444', {
          roleDefinitionId: def,
          principalId: UAI_PRINCIPAL,
        });
    await expect(create()).rejects.toMatchObject({
      statusCode: 403,
      code: 'AuthorizationFailed',
      message: expect.stringContaining(
        "does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope",
      ),
    });
    await expect(create()).rejects.toMatchObject({
      statusCode: 400,
      code: 'PrincipalNotFound',
      message: 'Principal x does not exist in the directory.',
    });
  });

  test('method filter: a fault on PUT leaves GETs alone', async () => {
    t.addFault({ kind: 'error', status: 503, method: 'PUT', times: 1 });
    await t.containerApps.containerApps.get('web-rg', 'web');
    const def = `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
    await t
      .clientsFor(SHARED_SUB)
      .authorization.roleAssignments.create(REGISTRY_ID, 'abababab-1111-4222-8333-444444444444', {
        roleDefinitionId: def,
        principalId: UAI_PRINCIPAL,
      });
    expect(t.requestLog.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'PUT 503', 'PUT 201']);
  });
});

describe('auth, request log and snapshot', () => {
  test('a request without a bearer token is 401 with ARM error shape and request ids', async () => {
    const t = await startEmulator({ world: loadWorld('test/worlds/missing-role.json') });
    try {
      const res = await fetchJson(t, '/subscriptions?api-version=2022-12-01', { headers: { authorization: '' } });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: { code: 'AuthenticationFailed' } });
      expect(res.headers['x-ms-request-id']).toBeDefined();
      expect(res.headers['x-ms-correlation-request-id']).toBeDefined();
    } finally {
      await t.stop();
    }
  });

  test('request log: reads and LRO polls are write=false, state-changing calls write=true', async () => {
    const t = await startTestEmulator('test/worlds/arm-token-auth-disabled.json');
    try {
      await t.containerApps.containerApps.get('web-rg', 'web');
      for await (const _ of t.authorization.roleAssignments.listForScope(REGISTRY_ID, {
        filter: `principalId eq '${UAI_PRINCIPAL}'`,
      }))
        void _;
      expect(t.requestLog.filter((r) => r.write)).toEqual([]);
      await t.clientsFor(SHARED_SUB).registries.registries.update('shared-rg', 'acmeacr', {
        policies: { azureADAuthenticationAsArmPolicy: { status: 'enabled' } },
      });
      expect(t.requestLog.filter((r) => r.write).map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH ${REGISTRY_ID}`]);
      expect(t.requestLog.map((r) => r.seq)).toEqual([...t.requestLog.map((r) => r.seq)].sort((a, b) => a - b));
      expect(t.requestLog[0]?.url).toContain('api-version=2025-07-01');
      t.clearRequestLog();
      expect(t.requestLog).toHaveLength(0);
    } finally {
      await t.stop();
    }
  });

  test('snapshot() is a valid world carrying the changes; a new emulator from it behaves the same', async () => {
    const t = await startTestEmulator('test/worlds/missing-role.json', { propagationDelayMs: 0 });
    const def = `/subscriptions/${SHARED_SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
    await t
      .clientsFor(SHARED_SUB)
      .authorization.roleAssignments.create(REGISTRY_ID, 'cdcdcdcd-1111-4222-8333-444444444444', {
        roleDefinitionId: def,
        principalId: UAI_PRINCIPAL,
      });
    t.clock.advance(1000);
    const snap = validateWorld(JSON.parse(JSON.stringify(t.snapshot())));
    await t.stop();
    expect(snap.now).toBe('2026-11-21T10:00:01.000Z');
    expect(snap.resources.some((r) => r.id.endsWith('cdcdcdcd-1111-4222-8333-444444444444'))).toBe(true);
    const t2 = await startEmulator({ world: snap, propagationDelayMs: 0 });
    try {
      expect(t2.canPull(UAI_PRINCIPAL, 'acmeacr.azurecr.io/api:1.4.2')).toEqual({ ok: true });
    } finally {
      await t2.stop();
    }
  });
});
