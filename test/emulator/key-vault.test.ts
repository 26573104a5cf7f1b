/**
 * Key Vault secret references in the emulator (emulator/state/key-vault.ts): which identity can read a `keyVaultUrl`
 * secret — RBAC vaults by the data action Key Vault Secrets User grants, access-policy vaults by a `get` secret
 * permission — and ARM's refusal text when it cannot. Pure state, no HTTP (the SDK path is in
 * test/remediate/kind-worlds.test.ts).
 */
import type { World } from '../../emulator/api';
import { EmulatorState, type Resource } from '../../emulator/state';
import { readWorld } from '../remediate/e2e-helpers';
import { UAI_ID, UAI_PRINCIPAL } from '../worlds/build-worlds';

const URL = 'https://web-kv.vault.azure.net/secrets/db-password';

function state(vault: (props: Record<string, unknown>) => Record<string, unknown>): {
  s: EmulatorState;
  app: (identity: string, url?: string) => Resource;
} {
  const w: World = readWorld('secret-ref-key-vault-access-denied');
  const v = w.resources.find((r) => r.type === 'Microsoft.KeyVault/vaults');
  if (!v) throw new Error('no vault in the world');
  v['properties'] = vault(v['properties'] as Record<string, unknown>);
  const s = new EmulatorState(w);
  const base = w.resources.find((r) => r.type === 'Microsoft.App/containerApps') as Resource;
  const app = (identity: string, url = URL): Resource => {
    const a = structuredClone(base);
    const props = a.properties as { configuration: Record<string, unknown> };
    props.configuration = { ...props.configuration, secrets: [{ name: 'db-password', keyVaultUrl: url, identity }] };
    return a;
  };
  return { s, app };
}

describe('Key Vault secret references', () => {
  it("an RBAC vault without a role: refused with ARM's text naming the secret and the identity", () => {
    const { s, app } = state((p) => p);
    expect(s.keyVault.findSecretRefusal(app(UAI_ID))).toBe(
      `The following field(s) are either invalid or missing. Field 'configuration.secrets' is invalid with details: 'Invalid value: "db-password": Unable to get value using Managed identity ${UAI_ID} for secret db-password. Error: unable to fetch secret 'db-password' using Managed identity '${UAI_ID}'';.`,
    );
  });

  it('an access-policy vault: get (or all) reads, list alone does not', () => {
    const policy = (secrets: string[]) => (p: Record<string, unknown>) => ({
      ...p,
      enableRbacAuthorization: false,
      accessPolicies: [{ tenantId: p['tenantId'], objectId: UAI_PRINCIPAL, permissions: { secrets } }],
    });
    const get = state(policy(['Get', 'List']));
    expect(get.s.keyVault.findSecretRefusal(get.app(UAI_ID))).toBeUndefined();
    const all = state(policy(['all']));
    expect(all.s.keyVault.findSecretRefusal(all.app(UAI_ID))).toBeUndefined();
    const list = state(policy(['list']));
    expect(list.s.keyVault.findSecretRefusal(list.app(UAI_ID))).toContain('Unable to get value');
  });

  it('an identity not attached, or a vault the world does not hold, cannot read', () => {
    const open = state((p) => ({
      ...p,
      enableRbacAuthorization: false,
      accessPolicies: [{ objectId: UAI_PRINCIPAL, permissions: { secrets: ['get'] } }],
    }));
    expect(open.s.keyVault.findSecretRefusal(open.app('system'))).toContain('Managed identity system');
    expect(
      open.s.keyVault.findSecretRefusal(open.app(UAI_ID, 'https://other-kv.vault.azure.net/secrets/db-password')),
    ).toContain('Unable to get value');
    expect(open.s.keyVault.findSecretRefusal(open.app(UAI_ID))).toBeUndefined();
  });
});
