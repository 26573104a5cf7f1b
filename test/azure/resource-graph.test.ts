/**
 * Registry and app discovery through Resource Graph in the SDK adapter, against the emulator: one query whatever the
 * number of subscriptions, cached per login server, and the per-subscription listing where Resource Graph is refused.
 */
import { createSdkArmPort, type SdkArmPort } from '../../src/adapters/sdk-arm';
import { loadWorld } from '../../emulator/world';
import { startTestEmulator, staticCredential, type TestEmulator } from '../helpers/emulator';
import { buildTenantWorld } from '../worlds/tenant-world';

const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const GRAPH = /ResourceGraph\/resources$/i;

async function withTenant(subscriptions: number, fn: (port: SdkArmPort, emu: TestEmulator) => Promise<void>) {
  const emu = await startTestEmulator(buildTenantWorld(loadWorld('test/worlds/seed-story.json'), subscriptions));
  try {
    const port = createSdkArmPort({
      endpoint: emu.endpoint,
      credential: staticCredential,
      tlsCa: emu.ca,
      clock: emu.clock,
      retryOptions: { maxRetries: 0 },
    });
    await fn(port, emu);
  } finally {
    await emu.stop();
  }
}

describe('Resource Graph discovery', () => {
  test.each([1, 50])('%i subscriptions: one query finds the registry of a login server; warm, none', (subs) =>
    withTenant(subs, async (port, emu) => {
      emu.clearRequestLog();
      const found = await port.findRegistries(['ACMEACR.azurecr.io', 'nope.azurecr.io']);
      expect(found.map((r) => r.name)).toEqual(['acmeacr']);
      expect(found[0]).toMatchObject({
        loginServer: 'acmeacr.azurecr.io',
        roleAssignmentMode: expect.any(String) as string,
      });
      expect(emu.requestLog.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /providers/Microsoft.ResourceGraph/resources',
      ]);
      emu.clearRequestLog();
      expect((await port.findRegistries(['acmeacr.azurecr.io'])).length).toBe(1);
      expect((await port.findRegistries(['nope.azurecr.io'])).length).toBe(0); // a miss is cached too
      expect(emu.requestLog).toHaveLength(0);
    }),
  );

  test('the apps using a principal: one query, exact match on the identity', () =>
    withTenant(50, async (port, emu) => {
      emu.clearRequestLog();
      const apps = await port.listContainerAppsUsingPrincipal(PRINCIPAL);
      expect(apps.map((a) => a.name)).toEqual(['web']);
      expect(apps[0]?.registries[0]?.server).toBe('acmeacr.azurecr.io');
      expect(emu.requestLog).toHaveLength(1);
    }));

  test('where Resource Graph is refused (403), the listing answers the same, and the refusal is remembered', () =>
    withTenant(5, async (port, emu) => {
      emu.addFault({ path: 'Microsoft.ResourceGraph/resources$', kind: 'error', status: 403 });
      emu.clearRequestLog();
      const found = await port.findRegistries(['acmeacr.azurecr.io']);
      expect(found.map((r) => r.name)).toEqual(['acmeacr']);
      const graph = emu.requestLog.filter((r) => GRAPH.test(r.path));
      expect(graph).toHaveLength(1);
      expect(emu.requestLog.length).toBe(1 + 1 + 5); // the refused query, subscriptions, registries of each
      emu.clearRequestLog();
      expect((await port.listContainerAppsUsingPrincipal(PRINCIPAL)).map((a) => a.name)).toEqual(['web']);
      expect(emu.requestLog.filter((r) => GRAPH.test(r.path))).toHaveLength(0);
    }));

  test('a transient Resource Graph fault is not a refusal: it rejects (the delivery is retried)', () =>
    withTenant(1, async (port, emu) => {
      emu.addFault({ path: 'Microsoft.ResourceGraph/resources$', kind: 'error', status: 503, times: 1 });
      await expect(port.findRegistries(['acmeacr.azurecr.io'])).rejects.toMatchObject({ statusCode: 503 });
      expect((await port.findRegistries(['acmeacr.azurecr.io'])).map((r) => r.name)).toEqual(['acmeacr']);
    }));
});
