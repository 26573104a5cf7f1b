/**
 * The diagnosis-kind catalog: everything the project says about a kind, in one entry the compiler checks for every
 * member of `DiagnosisKind` — its label in messages, what it means, what a person checks, what the remediator does,
 * whether only a person can act, what makes two failures of it "one story" and one storm, and how offline triage
 * (`remediator diagnose`) recognises it. Pure data.
 *
 * Adding a kind: the union (src/model.ts), one entry here, one rule (src/diagnose/<family>/), one plan case.
 */
import type { PullErrorKind } from './diagnose/messages';
import type { KindEntry } from './kinds-model';
import type { DiagnosisKind } from './model';

export type { KindEntry, KindFamily, StormShape, StoryShape, TriageShape } from './kinds-model';

export const KINDS: Readonly<Record<DiagnosisKind, KindEntry>> = {
  'acr-pull/missing-role': {
    family: 'acr-pull',
    label: 'Image pull failed: missing pull role',
    manual: false,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/pull-role', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 1 },
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
    family: 'acr-pull',
    label: 'Image pull failed: AcrPull not honoured in ABAC mode',
    manual: false,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/pull-role', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 2 },
    meaning:
      'The registry is in ABAC mode (AbacRepositoryPermissions): AcrPull is not honoured there, and the identity has no Container Registry Repository Reader.',
    checks: [
      'az acr show -n REGISTRY --query roleAssignmentMode',
      'az role assignment list --assignee PRINCIPAL_ID --scope REGISTRY_ID',
    ],
    remediation: 'auto-fix: assign Container Registry Repository Reader at the registry scope, then redeploy.',
  },
  'acr-pull/system-identity-on-create': {
    family: 'acr-pull',
    label: 'Image pull failed: system identity on create',
    manual: false,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/pull-role', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 4 },
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
    family: 'acr-pull',
    label: 'Image pull failed: ARM-token authentication disabled',
    manual: false,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/arm-token-auth-disabled', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 7 },
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
    family: 'acr-pull',
    label: 'Image pull failed: role still propagating',
    manual: false,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/pull-role', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 3 },
    meaning:
      'The right role exists but was assigned too recently to have taken effect (RBAC propagation can take up to 10 minutes).',
    checks: [
      'az role assignment list --assignee PRINCIPAL_ID --scope REGISTRY_ID --query "[].{role:roleDefinitionName,createdOn:createdOn}"',
    ],
    remediation: 'auto-fix: no role change; redeploy the revision once the propagation window has passed.',
  },
  'acr-pull/identity-not-attached': {
    family: 'acr-pull',
    label: 'Image pull failed: identity not attached',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/identity-not-attached', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 5 },
    meaning:
      '`registries[].identity` names a user-assigned identity that is not attached to the app, or `system` while the app has no system identity.',
    checks: [
      'az containerapp show -n APP -g RG --query "{registries:properties.configuration.registries, identity:identity}"',
    ],
    remediation:
      'manual: attach the identity (az containerapp identity assign --user-assigned ID) or point the registry entry at an attached identity, then redeploy.',
  },
  'acr-pull/no-registry-identity': {
    family: 'acr-pull',
    label: 'Image pull failed: no registry identity',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/no-registry-identity', by: 'pull-identity' },
    triage: { by: 'candidate', of: 'pull-refused', rank: 6 },
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
    family: 'acr-pull',
    label: 'Image pull failed: image not found',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/image-not-found', by: 'pull-identity', withImage: true },
    triage: { by: 'pull-error', pullError: 'image-not-found' },
    meaning:
      'The repository or tag does not exist in the registry (MANIFEST_UNKNOWN / NAME_UNKNOWN). Roles are not the problem.',
    checks: [
      'az acr repository show-tags -n REGISTRY --repository REPO',
      'Did the image build/push step of the pipeline run and succeed?',
    ],
    remediation: 'none: push the image or fix the tag in the app template.',
  },
  'acr-pull/network-blocked': {
    family: 'acr-pull',
    label: 'Image pull failed: registry network blocked',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/network-blocked', by: 'pull-identity' },
    triage: { by: 'pull-error', pullError: 'network-blocked' },
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
    family: 'acr-pull',
    label: 'Image pull failed: registry not found',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'acr-pull/registry-not-found', by: 'pull-identity' },
    triage: { by: 'pull-error', pullError: 'host-not-found' },
    meaning:
      "The image's login server matches no registry the remediator can see (a typo, a deleted registry, or a subscription it cannot read).",
    checks: [
      'az acr list --query "[].loginServer"',
      'Is the registry in a subscription the remediator identity can read?',
    ],
    remediation: 'none: fix the image reference, or give the remediator Reader on the registry subscription.',
  },
  'arm-authz/acr-pull-denied': {
    family: 'arm-authz',
    label: 'Authorization failed: registry pull denied',
    manual: false,
    story: { family: 'arm-authz/acr-pull-denied', by: 'denial' },
    storm: { family: 'acr-pull/pull-role', by: 'pull-identity' },
    triage: { by: 'pull-action' },
    meaning: 'An AuthorizationFailed for Microsoft.ContainerRegistry/registries/pull/read.',
    checks: ['Which identity was denied, and does a container app use it for that registry?'],
    remediation:
      'as missing-role, but only for a principal that a container app in scope uses for that registry; otherwise manual.',
  },
  'arm-authz/missing-role': {
    family: 'arm-authz',
    label: 'Authorization failed: missing role',
    manual: true,
    story: { family: 'arm-authz/missing-role', by: 'denial' },
    storm: { family: 'arm-authz/missing-role', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 1 },
    meaning: 'The caller holds no role granting the denied action at or above the scope.',
    checks: [
      'az role assignment list --assignee CALLER --all',
      'az role definition list --query "[?permissions[?contains(actions, \'ACTION\')]]"',
    ],
    remediation:
      'manual: the least-privilege built-in role that grants the action, at the exact scope (the remediator never grants it itself).',
  },
  'arm-authz/wrong-scope': {
    family: 'arm-authz',
    label: 'Authorization failed: role at the wrong scope',
    manual: true,
    story: { family: 'arm-authz/wrong-scope', by: 'denial' },
    storm: { family: 'arm-authz/wrong-scope', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 2 },
    meaning:
      'The caller holds a role granting the action, but at a scope that does not cover the denied scope (a sibling).',
    checks: ['az role assignment list --assignee CALLER --all --query "[].{role:roleDefinitionName,scope:scope}"'],
    remediation:
      'manual: assign at the denied scope (or move the existing assignment); the summary names the assignment at the wrong scope.',
  },
  'arm-authz/deny-assignment': {
    family: 'arm-authz',
    label: 'Authorization failed: deny assignment',
    manual: true,
    story: { family: 'arm-authz/deny-assignment', by: 'denial' },
    storm: { family: 'arm-authz/deny-assignment', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 3 },
    meaning: 'A deny assignment covers the action at that scope; deny assignments override every role.',
    checks: [
      'az rest --method get --url "SCOPE/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01"',
      'Which managed application / deployment stack / blueprint created it?',
    ],
    remediation: 'none: the deny assignment must be changed by its owner; the summary names it.',
  },
  'arm-authz/role-propagating': {
    family: 'arm-authz',
    label: 'Authorization failed: role still propagating',
    manual: false,
    story: { family: 'arm-authz/role-propagating', by: 'denial' },
    storm: { family: 'arm-authz/role-propagating', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 4 },
    meaning: 'A role granting the action at a covering scope was created too recently to have taken effect.',
    checks: [
      'az role assignment list --assignee CALLER --all --query "[].{role:roleDefinitionName,scope:scope,createdOn:createdOn}"',
    ],
    remediation: 'none: retry after the time it should take effect (given in the summary).',
  },
  'registry-auth/credentials-rejected': {
    family: 'registry-auth',
    label: 'Image pull failed: registry credentials rejected',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'registry-auth/credentials-rejected', by: 'pull-identity' },
    triage: { by: 'non-acr-refusal' },
    meaning:
      "The image's registry was reached with a username and password (`passwordSecretRef`: an ACR admin user, Docker Hub, GHCR, any registry outside ACR), or anonymously, and refused it.",
    checks: [
      'az containerapp show -n APP -g RG --query properties.configuration.registries  (server, username, passwordSecretRef)',
      'az containerapp secret list -n APP -g RG  (is the password secret there, a Key Vault reference, expired?)',
      'Log in with the same username and token from a workstation: docker login SERVER -u USERNAME',
    ],
    remediation:
      'manual: rotate the password secret (az containerapp registry set -n APP -g RG --server SERVER --username USER --password TOKEN), or, for ACR, move the entry to a managed identity with the pull role; then deploy again.',
  },
  'registry-auth/rate-limited': {
    family: 'registry-auth',
    label: 'Image pull failed: registry rate limit',
    manual: true,
    story: { family: 'acr-pull', by: 'revision' },
    storm: { family: 'registry-auth/rate-limited', by: 'pull-identity' },
    triage: { by: 'pull-error', pullError: 'rate-limited' },
    meaning:
      "The registry throttled the pull (TOOMANYREQUESTS, Docker Hub's pull rate limit for anonymous or free accounts).",
    checks: [
      'az containerapp show -n APP -g RG --query properties.configuration.registries  (is the registry pulled anonymously?)',
      'Which images come from docker.io, and how many replicas and revisions pull them?',
    ],
    remediation:
      'manual: authenticate the pull (registries[] entry with a username and token), or import the image into ACR / pull it through an ACR cache rule (az acr cache create); then deploy again.',
  },
  'secret-ref/key-vault-access-denied': {
    family: 'secret-ref',
    label: 'Deployment refused: Key Vault secret unreadable',
    manual: true,
    story: { family: 'secret-ref', by: 'revision' },
    storm: { family: 'secret-ref/key-vault-access-denied', by: 'resource' },
    triage: { by: 'secret-ref' },
    meaning:
      'A Container Apps secret that references Key Vault (`keyVaultUrl`) could not be read by the identity configured for it: no Key Vault Secrets User role (or access policy), the identity is not attached, or the vault firewall refuses the environment.',
    checks: [
      'az containerapp secret list -n APP -g RG  (keyVaultUrl and identity of the secret)',
      'az role assignment list --assignee PRINCIPAL_ID --scope KEY_VAULT_ID  (Key Vault Secrets User, or an access policy with get)',
      'az keyvault show -n VAULT --query "{rbac:properties.enableRbacAuthorization, network:properties.networkAcls}"',
    ],
    remediation:
      'manual (never automatic: it is not a pull role): grant the identity Key Vault Secrets User on the vault (or a get access policy), or allow the environment through the vault firewall; then deploy again.',
  },
  unknown: {
    family: 'other',
    label: 'Deployment failure (unclassified)',
    manual: true,
    story: { family: 'unknown', by: 'revision' },
    storm: { family: 'unknown', by: 'resource' },
    triage: { by: 'none' },
    meaning:
      'A failure the remediator looks after but could not classify. The raw details are in the summary; nothing is guessed.',
    checks: [
      'Read the raw provisioning error / status message in the summary.',
      'Run `remediator diagnose --message "…"` with the full error text.',
    ],
    remediation: 'none.',
  },
  unrelated: {
    family: 'other',
    label: 'Not a failure we look after',
    manual: false,
    story: { family: 'unrelated', by: 'revision' },
    storm: { family: 'unrelated', by: 'resource' },
    triage: { by: 'none' },
    meaning:
      'Not a failure this project looks after (a success, another resource type or operation, or a failure that is not about pulling or authorization). Acknowledged and dropped.',
    checks: [],
    remediation: 'none.',
  },
  'arm-authz/policy-denied': {
    family: 'arm-authz',
    label: 'Request refused by Azure Policy',
    manual: true,
    story: { family: 'arm-authz/policy-denied', by: 'denial' },
    storm: { family: 'arm-authz/policy-denied', by: 'caller-scope' },
    triage: { by: 'policy' },
    meaning:
      'ARM refused the request with RequestDisallowedByPolicy: a policy assignment with a deny effect covers the resource. Roles are not the problem.',
    checks: [
      'az policy assignment show --ids POLICY_ASSIGNMENT_ID',
      'az policy definition show --name POLICY_DEFINITION_NAME  (the rule and its effect)',
      'az policy exemption list --scope SCOPE',
    ],
    remediation:
      'none: change the request to comply, or ask the policy owner for an exemption (az policy exemption create --policy-assignment ID --scope SCOPE --exemption-category Waiver); the summary names the assignment, the definition and the effect.',
  },
  'arm-authz/condition-not-met': {
    family: 'arm-authz',
    label: 'Authorization failed: role condition not met',
    manual: true,
    story: { family: 'arm-authz/condition-not-met', by: 'denial' },
    storm: { family: 'arm-authz/condition-not-met', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 5 },
    meaning:
      'A role assignment grants the action at a covering scope, but its ABAC condition excludes this request (e.g. a delegation condition that only allows assigning certain roles).',
    checks: [
      'az role assignment list --assignee CALLER --all --query "[?condition!=null].{role:roleDefinitionName,scope:scope,condition:condition}"',
    ],
    remediation:
      'none: make the request fit the condition (e.g. assign only the roles it allows), or ask the owner to change the condition; the summary names the assignment and its condition.',
  },
  'arm-authz/wrong-principal': {
    family: 'arm-authz',
    label: 'Authorization failed: wrong identity used',
    manual: true,
    story: { family: 'arm-authz/wrong-principal', by: 'denial' },
    storm: { family: 'arm-authz/wrong-principal', by: 'caller-scope' },
    triage: { by: 'candidate', of: 'authz-denied', rank: 6 },
    meaning:
      'The caller holds no role for the action, but another identity of the same workload (another user-assigned identity or the system identity of the same app) holds it at a covering scope: the code authenticates with the wrong one.',
    checks: [
      'az containerapp identity show -n APP -g RG  (every identity of the workload and its principal id)',
      'Which client id does the code pass to DefaultAzureCredential / ManagedIdentityCredential (AZURE_CLIENT_ID)?',
    ],
    remediation:
      'none: make the code use the identity that holds the role (set AZURE_CLIENT_ID to its client id, or pass it to the credential), or grant the role to the identity it uses; the summary names both.',
  },
};

/** The catalog entry of a kind. */
export function kindOf(kind: DiagnosisKind): KindEntry {
  return KINDS[kind];
}

/** Every kind, in the catalog's order. */
export const CATALOG_KINDS = Object.keys(KINDS) as DiagnosisKind[];

/** The kinds offline triage lists for a refusal only ARM state can explain, most likely first. */
export function triageCandidates(of: 'pull-refused' | 'authz-denied'): DiagnosisKind[] {
  const ranked: Array<{ kind: DiagnosisKind; rank: number }> = [];
  for (const kind of CATALOG_KINDS) {
    const t = KINDS[kind].triage;
    if (t.by === 'candidate' && t.of === of) ranked.push({ kind, rank: t.rank });
  }
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.kind);
}

/** The kind a registry error decides on its own, if it does. */
export function kindDecidedByPullError(pullError: PullErrorKind): DiagnosisKind | undefined {
  return CATALOG_KINDS.find((k) => {
    const t = KINDS[k].triage;
    return t.by === 'pull-error' && t.pullError === pullError;
  });
}

/** The kinds a registry error decides on its own, in catalog order. */
export function kindsDecidedByPullError(): DiagnosisKind[] {
  return CATALOG_KINDS.filter((k) => KINDS[k].triage.by === 'pull-error');
}

/** The kind an AuthorizationFailed for the registry pull action is. */
export function kindOfPullActionDenial(): DiagnosisKind | undefined {
  return CATALOG_KINDS.find((k) => KINDS[k].triage.by === 'pull-action');
}

/** The kind a RequestDisallowedByPolicy refusal is. */
export function kindOfPolicyRefusal(): DiagnosisKind | undefined {
  return CATALOG_KINDS.find((k) => KINDS[k].triage.by === 'policy');
}

/** The kind offline triage decides by a recognised shape of its own (a non-ACR refusal, a Key Vault reference). */
export function kindTriagedBy(by: 'non-acr-refusal' | 'secret-ref'): DiagnosisKind | undefined {
  return CATALOG_KINDS.find((k) => KINDS[k].triage.by === by);
}
