/**
 * The Key Vault secret-reference family: a `configuration.secrets[]` entry with `keyVaultUrl` that the identity
 * configured for it could not read → `secret-ref/key-vault-access-denied`, always manual (it is not a pull role).
 */
import { parseResourceId } from '../../azure/ids';
import type { DiagnosisDetails } from '../../model';
import type { SecretRefFacts } from '../facts-model';
import { azIdentityAssign } from './az-commands';
import { describeIdentity, finish, nameOf, type Rule, type RuleFamily } from './rule';

const KEY_VAULT_SECRETS_USER = 'Key Vault Secrets User';

export const SECRET_REF_RULES: ReadonlyArray<Rule<SecretRefFacts, undefined>> = [
  {
    name: 'key-vault-access-denied',
    when: () => true,
    build: (f) => {
      const s = f.secret;
      const rg = parseResourceId(f.resourceId).resourceGroup;
      const who = f.identity
        ? describeIdentity(f.identity)
        : s.identity
          ? /^system$/i.test(s.identity)
            ? "the app's system-assigned identity"
            : `identity ${nameOf(s.identity)}`
          : 'the identity configured for it';
      const steps: string[] = [];
      if (f.identityAttached === false)
        steps.push(
          azIdentityAssign(f.appName, rg, s.identity && !/^system$/i.test(s.identity) ? s.identity : undefined),
        );
      steps.push(
        `az role assignment create --assignee-object-id ${f.identity?.principalId ?? '<principal-id>'} --assignee-principal-type ServicePrincipal --role "${KEY_VAULT_SECRETS_USER}" --scope <key-vault-id>   # or a Key Vault access policy with secret get`,
        'If the vault has a firewall, allow the Container Apps environment (its virtual network or outbound IPs), or use a private endpoint.',
        `Check the secret exists at the keyVaultUrl of secret ${s.secretName} (az containerapp secret list --name ${f.appName} --resource-group ${rg ?? '<rg>'}), then deploy again.`,
      );
      const details: DiagnosisDetails = {
        appId: f.resourceId,
        appName: f.appName,
        rawMessage: f.message,
        secretRef: { name: s.secretName, ...(s.identity ? { identity: s.identity } : {}) },
      };
      if (f.identity) details.identity = f.identity;
      return finish(
        'secret-ref/key-vault-access-denied',
        f.resourceId,
        `${f.appName}: the Key Vault secret ${s.secretName} could not be read with ${who}, so ARM refused the deployment.`,
        [
          `${f.messageSource === 'revision' ? 'The revision' : 'The Activity Log entry of the failed write'} says: Unable to get value using Managed identity ${s.identity ?? '?'} for secret ${s.secretName}${s.detail ? ` (${s.detail})` : ''}.`,
          f.identityAttached === false
            ? `That identity is not attached to ${f.appName}.`
            : `The identity is attached${f.identity?.principalId ? ` (principal ${f.identity.principalId})` : ''}: it lacks read access to the vault's secret, or the vault's network refuses the environment.`,
          'This is not an image pull: the remediator grants no role here (only the two pull roles, ever).',
        ],
        details,
        steps,
      );
    },
  },
];

export const SECRET_REF_FAMILY: RuleFamily<SecretRefFacts, undefined> = {
  analyse: () => undefined,
  rules: SECRET_REF_RULES,
};
