/**
 * What each diagnosis kind means, what an operator checks by hand, and what the remediator does about it.
 * Pure data: used by `remediator diagnose` (offline triage) and kept in step with the README by a test.
 */
import type { DiagnosisKind } from './model';

export interface KindExplanation {
  meaning: string;
  checks: string[];
  remediation: string;
}

export const KIND_EXPLANATIONS: Readonly<Record<DiagnosisKind, KindExplanation>> = {
  'acr-pull/missing-role': {
    meaning:
      "The app's registry identity is configured correctly but holds no pull role on the registry (at registry scope or above).",
    checks: [
      'az containerapp show -n APP -g RG --query properties.configuration.registries  (which identity pulls from the registry)',
      "az role assignment list --assignee PRINCIPAL_ID --all --query \"[?contains(roleDefinitionName,'Acr') || contains(roleDefinitionName,'Repository')]\"",
      'az acr show -n REGISTRY --query roleAssignmentMode  (legacy → AcrPull; ABAC → Container Registry Repository Reader)',
    ],
    remediation:
      'auto-fix: assign AcrPull (legacy) or Container Registry Repository Reader (ABAC) to that principal at the registry scope, then redeploy the revision.',
  },
  'acr-pull/abac-role-mismatch': {
    meaning:
      'The registry is in ABAC mode (AbacRepositoryPermissions): AcrPull is not honoured there, and the identity has no Container Registry Repository Reader.',
    checks: [
      'az acr show -n REGISTRY --query roleAssignmentMode',
      'az role assignment list --assignee PRINCIPAL_ID --scope REGISTRY_ID',
    ],
    remediation: 'auto-fix: assign Container Registry Repository Reader at the registry scope, then redeploy.',
  },
  'acr-pull/system-identity-on-create': {
    meaning:
      'The app was created pulling with its system-assigned identity, which did not exist (so could not hold a role) before the app was created.',
    checks: [
      'az containerapp identity show -n APP -g RG',
      'az role assignment list --assignee SYSTEM_PRINCIPAL_ID --scope REGISTRY_ID',
    ],
    remediation:
      'auto-fix: assign the pull role to the now-existing system principal, then redeploy. Advice: pull with a user-assigned identity granted before the app is created.',
  },
  'acr-pull/arm-token-auth-disabled': {
    meaning:
      "The identity holds the right role, but the registry's authentication-as-arm policy is disabled, so it refuses the ARM-audience tokens Container Apps presents.",
    checks: [
      'az acr config authentication-as-arm show -r REGISTRY',
      'Is the policy enforced by Azure Policy in your organisation?',
    ],
    remediation:
      'auto-fix only where the operator allowed `enable-arm-token-auth` (it loosens a security setting): enable the policy, then redeploy. Otherwise manual.',
  },
  'acr-pull/role-propagating': {
    meaning:
      'The right role exists but was assigned too recently to have taken effect (RBAC propagation can take up to 10 minutes).',
    checks: [
      'az role assignment list --assignee PRINCIPAL_ID --scope REGISTRY_ID --query "[].{role:roleDefinitionName,createdOn:createdOn}"',
    ],
    remediation: 'auto-fix: no role change; redeploy the revision once the propagation window has passed.',
  },
  'acr-pull/identity-not-attached': {
    meaning:
      '`registries[].identity` names a user-assigned identity that is not attached to the app, or `system` while the app has no system identity.',
    checks: [
      'az containerapp show -n APP -g RG --query "{registries:properties.configuration.registries, identity:identity}"',
    ],
    remediation:
      'manual: attach the identity (az containerapp identity assign --user-assigned ID) or point the registry entry at an attached identity, then redeploy.',
  },
  'acr-pull/no-registry-identity': {
    meaning:
      "The image's registry has no `registries[]` entry with an identity: the app pulls anonymously or with admin credentials that fail.",
    checks: [
      'az containerapp show -n APP -g RG --query properties.configuration.registries',
      'az acr show -n REGISTRY --query adminUserEnabled',
    ],
    remediation:
      'manual: az containerapp registry set -n APP -g RG --server SERVER --identity IDENTITY_ID, grant that identity the pull role, redeploy.',
  },
  'acr-pull/image-not-found': {
    meaning:
      'The repository or tag does not exist in the registry (MANIFEST_UNKNOWN / NAME_UNKNOWN). Roles are not the problem.',
    checks: [
      'az acr repository show-tags -n REGISTRY --repository REPO',
      'Did the image build/push step of the pipeline run and succeed?',
    ],
    remediation: 'none: push the image or fix the tag in the app template.',
  },
  'acr-pull/network-blocked': {
    meaning:
      'The registry refuses the network path: public network access is disabled or the firewall default action is Deny.',
    checks: [
      'az acr show -n REGISTRY --query "{public:publicNetworkAccess, rules:networkRuleSet}"',
      'Does the Container Apps environment reach the registry through a private endpoint?',
    ],
    remediation:
      'none: allow the environment network path (private endpoint / firewall rule); the remediator does not change network settings.',
  },
  'acr-pull/registry-not-found': {
    meaning:
      "The image's login server matches no registry the remediator can see (a typo, a deleted registry, or a subscription it cannot read).",
    checks: [
      'az acr list --query "[].loginServer"',
      'Is the registry in a subscription the remediator identity can read?',
    ],
    remediation: 'none: fix the image reference, or give the remediator Reader on the registry subscription.',
  },
  'arm-authz/acr-pull-denied': {
    meaning: 'An AuthorizationFailed for Microsoft.ContainerRegistry/registries/pull/read.',
    checks: ['Which identity was denied, and does a container app use it for that registry?'],
    remediation:
      'as missing-role, but only for a principal that a container app in scope uses for that registry; otherwise manual.',
  },
  'arm-authz/missing-role': {
    meaning: 'The caller holds no role granting the denied action at or above the scope.',
    checks: [
      'az role assignment list --assignee CALLER --all',
      'az role definition list --query "[?permissions[?contains(actions, \'ACTION\')]]"',
    ],
    remediation:
      'manual: the least-privilege built-in role that grants the action, at the exact scope (the remediator never grants it itself).',
  },
  'arm-authz/wrong-scope': {
    meaning:
      'The caller holds a role granting the action, but at a scope that does not cover the denied scope (a sibling).',
    checks: ['az role assignment list --assignee CALLER --all --query "[].{role:roleDefinitionName,scope:scope}"'],
    remediation:
      'manual: assign at the denied scope (or move the existing assignment); the summary names the assignment at the wrong scope.',
  },
  'arm-authz/deny-assignment': {
    meaning: 'A deny assignment covers the action at that scope; deny assignments override every role.',
    checks: [
      'az rest --method get --url "SCOPE/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01"',
      'Which managed application / deployment stack / blueprint created it?',
    ],
    remediation: 'none: the deny assignment must be changed by its owner; the summary names it.',
  },
  'arm-authz/role-propagating': {
    meaning: 'A role granting the action at a covering scope was created too recently to have taken effect.',
    checks: [
      'az role assignment list --assignee CALLER --all --query "[].{role:roleDefinitionName,scope:scope,createdOn:createdOn}"',
    ],
    remediation: 'none: retry after the time it should take effect (given in the summary).',
  },
  unknown: {
    meaning:
      'A failure the remediator looks after but could not classify. The raw details are in the summary; nothing is guessed.',
    checks: [
      'Read the raw provisioning error / status message in the summary.',
      'Run `remediator diagnose --message "…"` with the full error text.',
    ],
    remediation: 'none.',
  },
  unrelated: {
    meaning:
      'Not a failure this project looks after (a success, another resource type or operation, or a failure that is not about pulling or authorization). Acknowledged and dropped.',
    checks: [],
    remediation: 'none.',
  },
};
