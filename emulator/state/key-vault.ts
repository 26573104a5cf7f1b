/**
 * Key Vault secret references of container apps and jobs (`configuration.secrets[]` entries with `keyVaultUrl` and
 * `identity`): ARM reads each one with the identity named when the app (or job) is written, and refuses the write at
 * once with 400 `InvalidParameterValueInContainerTemplate` when it cannot — the wording of microsoft/azure-container-apps
 * #722, #930, #1174: `Field 'configuration.secrets' is invalid with details: 'Invalid value: "NAME": Unable to get
 * value using Managed identity ID for secret NAME. Error: unable to fetch secret 'NAME' using Managed identity 'ID'';.`
 *
 * A vault is a `Microsoft.KeyVault/vaults` resource of the world whose `properties.vaultUri` is the secret URL's
 * origin. With `enableRbacAuthorization` the identity needs a role granting the data action
 * `Microsoft.KeyVault/vaults/secrets/getSecret/action` at or above the vault (Key Vault Secrets User); without it, an
 * access policy for its object id with secret permission `get` (or `all`). A vault the world does not hold is
 * unreachable. An identity not attached to the app cannot read anything.
 */
import { sameId } from '../ids';
import { asArray, obj, str } from '../values';
import type { RbacEngine } from './rbac';
import type { Resource, ResourceStore } from './store';

const T_VAULT = 'microsoft.keyvault/vaults';
const GET_SECRET = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';

export class KeyVaultReads {
  constructor(
    private readonly store: ResourceStore,
    private readonly rbac: RbacEngine,
  ) {}

  /** ARM's refusal message when a Key Vault secret reference of `app` cannot be read, else undefined. */
  findSecretRefusal(app: Resource): string | undefined {
    const secrets = asArray(obj(obj(app.properties)['configuration'])['secrets']).map(obj);
    const failures: string[] = [];
    for (const s of secrets) {
      const url = str(s['keyVaultUrl']);
      if (!url) continue;
      const name = str(s['name']) ?? 'secret';
      const identity = str(s['identity']) ?? 'system';
      if (this.canRead(app, identity, url)) continue;
      failures.push(
        `Field 'configuration.secrets' is invalid with details: 'Invalid value: "${name}": Unable to get value using Managed identity ${identity} for secret ${name}. Error: unable to fetch secret '${name}' using Managed identity '${identity}'';`,
      );
    }
    if (failures.length === 0) return undefined;
    return `The following field(s) are either invalid or missing. ${failures.join(' ')}.`;
  }

  private canRead(app: Resource, identity: string, url: string): boolean {
    const principalId = this.principalOf(app, identity);
    const vault = this.vaultOf(url);
    if (!principalId || !vault) return false;
    const props = obj(vault.properties);
    if (props['enableRbacAuthorization'] === true)
      return this.rbac.isAuthorized(principalId, GET_SECRET, vault.id, true);
    return asArray(props['accessPolicies'])
      .map(obj)
      .some(
        (p) =>
          str(p['objectId'])?.toLowerCase() === principalId.toLowerCase() &&
          asArray(obj(p['permissions'])['secrets']).some((x) => /^(get|all)$/i.test(String(x))),
      );
  }

  /** The principal of `identity` (`system` or a user-assigned identity id) when it is attached to `app`. */
  private principalOf(app: Resource, identity: string): string | undefined {
    const id = obj(app['identity']);
    const type = str(id['type'])?.toLowerCase() ?? '';
    if (/^system$/i.test(identity)) return type.includes('systemassigned') ? str(id['principalId']) : undefined;
    const uais = obj(id['userAssignedIdentities']);
    const key = Object.keys(uais).find((k) => sameId(k, identity));
    if (key === undefined || !type.includes('userassigned')) return undefined;
    return str(obj(uais[key])['principalId']) ?? str(obj(this.store.get(key)?.properties)['principalId']);
  }

  private vaultOf(url: string): Resource | undefined {
    let origin: string;
    try {
      origin = new URL(url).origin.toLowerCase();
    } catch {
      return undefined;
    }
    return this.store.ofType(T_VAULT).find((v) => {
      const uri = str(obj(v.properties)['vaultUri']);
      try {
        return uri !== undefined && new URL(uri).origin.toLowerCase() === origin;
      } catch {
        return false;
      }
    });
  }
}
