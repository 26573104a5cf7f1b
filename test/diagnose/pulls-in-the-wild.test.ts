/**
 * Pull failures as they come in the wild (issue 14), through offline triage and the matchers: registries outside ACR
 * get no ACR advice and are never registry-not-found, Docker Hub's throttle is its own kind, an unreadable Key Vault
 * secret reference is recognised, and network kinds are kept for network-shaped errors.
 */
import { triageMessage } from '../../src/cli/diagnose';
import { otherFailingImages, pickPullError } from '../../src/diagnose/failing-image';
import {
  isAcrLoginServer,
  isNetworkShaped,
  matchPullError,
  matchPullErrors,
  matchSecretRefError,
} from '../../src/diagnose/messages';

const GHCR = `Field 'template.containers.api.image' is invalid with details: 'Invalid value: "ghcr.io/contoso/api:2.1": GET https://ghcr.io/token?scope=repository%3Acontoso%2Fapi%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required'`;
const DOCKER_HUB_LIMIT = `Field 'template.containers.web.image' is invalid with details: 'Invalid value: "docker.io/library/nginx:1.27": GET https://registry-1.docker.io/v2/library/nginx/manifests/1.27: TOOMANYREQUESTS: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit'`;
// microsoft/azure-container-apps#1159 (identity id shortened)
const KEY_VAULT = `InvalidParameterValueInContainerTemplate: The following field(s) are either invalid or missing. Field 'configuration.secrets' is invalid with details: 'Invalid value: "postgres-password": Unable to get value using Managed identity /subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-uai for secret postgres-password. Error: unable to fetch secret 'postgres-password' using Managed identity '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app-uai'';.`;

describe('offline triage of the new families', () => {
  it('a GHCR refusal is credentials-rejected, with no az acr check', () => {
    const t = triageMessage(GHCR);
    expect(t.kind).toBe('registry-auth/credentials-rejected');
    expect(t.candidates).not.toContain('acr-pull/registry-not-found');
    expect(t.checks.join('\n')).not.toMatch(/az acr/);
    expect(t.facts).toContain('image: ghcr.io/contoso/api:2.1');
  });

  it("Docker Hub's TOOMANYREQUESTS is rate-limited, not unknown", () => {
    const t = triageMessage(DOCKER_HUB_LIMIT);
    expect(t.kind).toBe('registry-auth/rate-limited');
    expect(t.checks.join('\n')).not.toMatch(/az acr show/);
  });

  it('an unreadable Key Vault secret reference is key-vault-access-denied, naming the secret and identity', () => {
    const t = triageMessage(KEY_VAULT);
    expect(t.kind).toBe('secret-ref/key-vault-access-denied');
    expect(t.facts).toEqual(['secret: postgres-password', expect.stringContaining('userAssignedIdentities/app-uai')]);
    expect(matchSecretRefError(KEY_VAULT)).toMatchObject({ secretName: 'postgres-password' });
    const system = matchSecretRefError(
      `Field 'configuration.secrets' is invalid with details: 'Invalid value: "instrumentation-key": Unable to get value using Managed identity system for secret instrumentation-key. Error: unable to fetch secret 'instrumentation-key' using Managed identity 'system'';.`,
    );
    expect(system).toMatchObject({ secretName: 'instrumentation-key', identity: 'system' });
  });

  it('an ACR UNAUTHORIZED still lists the ACR candidates; a sovereign ACR host is still ACR', () => {
    const t = triageMessage(
      `Invalid value: "acme.azurecr.us/api:1": GET https:?scope=repository%3Aapi%3Apull&service=acme.azurecr.us: UNAUTHORIZED: authentication required`,
    );
    expect(t.kind).toBeUndefined();
    expect(t.candidates[0]).toBe('acr-pull/missing-role');
    expect(t.checks.join('\n')).toContain('az acr show -n acme ');
    expect(isAcrLoginServer('acme.azurecr.cn')).toBe(true);
    expect(isAcrLoginServer('acme.azurecr.io.evil.example')).toBe(false);
  });
});

describe('network kinds only for network-shaped errors', () => {
  it.each([
    [`DENIED: client with IP '20.105.232.17' is not allowed access`, true],
    [`Get "https://acme.azurecr.io/v2/": dial tcp: lookup acme.azurecr.io on 168.63.129.16:53: no such host`, true],
    [`Get "https://acme.azurecr.io/v2/": dial tcp 10.0.0.5:443: i/o timeout`, true],
    [`GET https:?service=acme.azurecr.io: UNAUTHORIZED: authentication required`, false],
    [`denied: requested access to the resource is denied`, false],
  ])('%s → network-shaped %s', (text, network) => {
    const m = matchPullError(`Invalid value: "acme.azurecr.io/api:1": ${text}`);
    expect(m).toBeDefined();
    expect(isNetworkShaped(m?.kind ?? 'unauthorized')).toBe(network);
  });
});

describe('every image of a revision', () => {
  // The emulator's (and the platform's) shape: one `Field 'template.…image'` per failing image, init containers first.
  const TWO = `Failed to provision revision for container app 'web'. Error details: The following field(s) are either invalid or missing. Field 'template.initContainers.migrate.image' is invalid with details: 'Invalid value: "toolsacr.azurecr.io/migrate:3.1": GET https:?scope=repository%3Amigrate%3Apull&service=toolsacr.azurecr.io: DENIED: client with IP '20.105.232.17' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.'; Field 'template.containers.api.image' is invalid with details: 'Invalid value: "acmeacr.azurecr.io/api:1.4.2": GET https:?scope=repository%3Aapi%3Apull&service=acmeacr.azurecr.io: UNAUTHORIZED: authentication required, visit https://aka.ms/acr/authorization for more information.';..`;

  it('each failure is matched on its own text: kind, image and registry belong together', () => {
    expect(matchPullErrors(TWO).map((m) => [m.kind, m.image?.image, m.loginServer])).toEqual([
      ['network-blocked', 'toolsacr.azurecr.io/migrate:3.1', 'toolsacr.azurecr.io'],
      ['unauthorized', 'acmeacr.azurecr.io/api:1.4.2', 'acmeacr.azurecr.io'],
    ]);
    expect(pickPullError(TWO)?.loginServer).toBe('toolsacr.azurecr.io');
    expect(pickPullError(TWO, 'acmeacr.azurecr.io')?.kind).toBe('unauthorized');
    expect(otherFailingImages(TWO, 'toolsacr.azurecr.io')).toEqual([
      { image: 'acmeacr.azurecr.io/api:1.4.2', loginServer: 'acmeacr.azurecr.io', error: 'unauthorized' },
    ]);
    expect(matchPullErrors(GHCR)).toHaveLength(1);
  });

  it('offline triage decides on the first failure and names the other as its own story', () => {
    const t = triageMessage(TWO);
    expect(t.kind).toBe('acr-pull/network-blocked');
    expect(t.facts).toContain('image: toolsacr.azurecr.io/migrate:3.1');
    expect(t.facts.join('\n')).toMatch(/also failing: acmeacr\.azurecr\.io\/api:1\.4\.2 from acmeacr\.azurecr\.io/);
  });
});
