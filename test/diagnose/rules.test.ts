/**
 * Pure rules: facts → kind, table-driven. Each case starts from the seed story's facts (identity web-pull without any
 * role on acmeacr) and changes exactly what the case is about.
 */
import type { RoleAssignmentInfo } from '../../src/azure/arm-port';
import type { AcrPullFacts, ArmAuthzFacts } from '../../src/diagnose/facts-model';
import { matchPullError } from '../../src/diagnose/messages';
import { ACR_PULL_RULES, ARM_AUTHZ_RULES, classify, classifyWithRule } from '../../src/diagnose/rules';
import { ROLE_IDS, type DiagnosisKind } from '../../src/model';

const SUB = '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const APP = `${SUB}/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web`;
const UAI = `${SUB}/resourceGroups/web-rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/web-pull`;
const REG = `${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/acmeacr`;
const PRINCIPAL = '7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d';
const SYSTEM_PRINCIPAL = '99999999-8888-4777-8666-555555555555';
const NOW = '2026-11-21T10:00:00.000Z';
const UNAUTHORIZED = `Field 'template.containers.api.image' is invalid with details: 'Invalid value: "acmeacr.azurecr.io/api:latest": GET https:?scope=repository%3Aapi%3Apull&service=acmeacr.azurecr.io: UNAUTHORIZED: authentication required'`;

function assignment(
  role: string,
  scope: string,
  createdOn = '2026-01-01T00:00:00Z',
  principalId = PRINCIPAL,
): RoleAssignmentInfo {
  return {
    id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${role.slice(0, 8)}-${scope.length}`,
    name: 'x',
    scope,
    roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
    principalId,
    principalType: 'ServicePrincipal',
    createdOn,
  };
}

function seedFacts(message = UNAUTHORIZED): AcrPullFacts {
  const pullError = matchPullError(message);
  if (!pullError) throw new Error('fixture message must match');
  return {
    flavor: 'acr-pull',
    now: NOW,
    propagationWindowMs: 10 * 60_000,
    appId: APP,
    app: {
      id: APP,
      name: 'web',
      tags: {},
      identity: { type: 'UserAssigned', userAssignedIdentities: { [UAI]: { principalId: PRINCIPAL, clientId: 'c' } } },
      registries: [{ server: 'acmeacr.azurecr.io', identity: UAI }],
      containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:latest' }],
      initContainers: [],
      latestRevisionName: 'web--v7',
      createdAt: '2025-06-01T09:00:00Z',
    },
    revision: {
      id: `${APP}/revisions/web--v7`,
      name: 'web--v7',
      createdTime: '2026-11-21T09:58:45Z',
      provisioningError: message,
      containers: [{ name: 'api', image: 'acmeacr.azurecr.io/api:latest' }],
    },
    message,
    messageSource: 'revision',
    pullError,
    ...(pullError.image ? { image: pullError.image } : {}),
    registry: {
      id: REG,
      name: 'acmeacr',
      loginServer: 'acmeacr.azurecr.io',
      tags: {},
      roleAssignmentMode: 'LegacyRegistryPermissions',
      armTokenAuth: 'enabled',
      publicNetworkAccess: 'Enabled',
      networkDefaultAction: 'Allow',
    },
    registryEntry: { server: 'acmeacr.azurecr.io', identity: UAI },
    identity: { kind: 'user-assigned', resourceId: UAI, principalId: PRINCIPAL },
    identityAttached: true,
    roleAssignments: [],
    roleDefinitions: {},
    denyAssignments: [],
  };
}

function systemFacts(mutate: (f: AcrPullFacts) => void = () => undefined): AcrPullFacts {
  const f = seedFacts();
  f.app.identity = { type: 'SystemAssigned', principalId: SYSTEM_PRINCIPAL, userAssignedIdentities: {} };
  f.app.registries = [{ server: 'acmeacr.azurecr.io', identity: 'system' }];
  f.registryEntry = { server: 'acmeacr.azurecr.io', identity: 'system' };
  f.identity = { kind: 'system', principalId: SYSTEM_PRINCIPAL };
  mutate(f);
  return f;
}

const acrCases: Array<[string, () => AcrPullFacts, DiagnosisKind, string]> = [
  ['seed story: no role at all', () => seedFacts(), 'acr-pull/missing-role', 'missing-role'],
  [
    'tag missing beats everything',
    () =>
      seedFacts(
        `Invalid value: "acmeacr.azurecr.io/api:9": GET https:: MANIFEST_UNKNOWN: manifest tagged by "9" is not found; map[Tag:9]`,
      ),
    'acr-pull/image-not-found',
    'image-not-found',
  ],
  [
    'login server of no visible registry',
    () => {
      const f = seedFacts();
      delete f.registry;
      return f;
    },
    'acr-pull/registry-not-found',
    'registry-not-found',
  ],
  [
    'public network access disabled, but the registry answered UNAUTHORIZED (private endpoint): the role decides',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).publicNetworkAccess = 'Disabled';
      return f;
    },
    'acr-pull/missing-role',
    'missing-role',
  ],
  [
    'public network access disabled and the connection timed out',
    () => {
      const f = seedFacts(
        `Invalid value: "acmeacr.azurecr.io/api:latest": Get "https://acmeacr.azurecr.io/v2/": dial tcp 20.61.0.10:443: i/o timeout`,
      );
      (f.registry as NonNullable<AcrPullFacts['registry']>).publicNetworkAccess = 'Disabled';
      return f;
    },
    'acr-pull/network-blocked',
    'network-blocked',
  ],
  [
    'Docker Hub throttles the pull',
    () => {
      const f = seedFacts(
        `Invalid value: "docker.io/library/nginx:1.27": GET https://registry-1.docker.io/v2/library/nginx/manifests/1.27: TOOMANYREQUESTS: You have reached your pull rate limit.`,
      );
      delete f.registry;
      delete f.registryEntry;
      delete f.identity;
      return f;
    },
    'registry-auth/rate-limited',
    'rate-limited',
  ],
  [
    'GHCR refuses the username/password: never registry-not-found',
    () => {
      const f = seedFacts(
        `Invalid value: "ghcr.io/contoso/api:2.1": GET https://ghcr.io/token?scope=repository%3Acontoso%2Fapi%3Apull&service=ghcr.io: UNAUTHORIZED: authentication required`,
      );
      delete f.registry;
      f.registryEntry = { server: 'ghcr.io', username: 'contoso-bot', passwordSecretRef: 'ghcr-token' };
      delete f.identity;
      return f;
    },
    'registry-auth/credentials-rejected',
    'credentials-rejected',
  ],
  [
    'a sovereign-cloud ACR login server of no visible registry is registry-not-found',
    () => {
      const f = seedFacts(
        `Invalid value: "acmeacr.azurecr.cn/api:latest": GET https:?scope=repository%3Aapi%3Apull&service=acmeacr.azurecr.cn: UNAUTHORIZED: authentication required`,
      );
      delete f.registry;
      return f;
    },
    'acr-pull/registry-not-found',
    'registry-not-found',
  ],
  [
    'firewall message',
    () =>
      seedFacts(
        `Invalid value: "acmeacr.azurecr.io/api:latest": DENIED: client with IP '1.2.3.4' is not allowed access`,
      ),
    'acr-pull/network-blocked',
    'network-blocked',
  ],
  [
    'no registries[] entry (anonymous)',
    () => {
      const f = seedFacts();
      delete f.registryEntry;
      delete f.identity;
      delete f.identityAttached;
      return f;
    },
    'acr-pull/no-registry-identity',
    'no-registry-identity',
  ],
  [
    'admin credentials only',
    () => {
      const f = seedFacts();
      f.registryEntry = { server: 'acmeacr.azurecr.io', username: 'acmeacr', passwordSecretRef: 'pwd' };
      delete f.identity;
      return f;
    },
    'registry-auth/credentials-rejected',
    'credentials-rejected',
  ],
  [
    'user-assigned identity not attached',
    () => {
      const f = seedFacts();
      f.identityAttached = false;
      return f;
    },
    'acr-pull/identity-not-attached',
    'identity-not-attached',
  ],
  [
    'deny assignment on the registry',
    () => {
      const f = seedFacts();
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, REG)];
      f.denyAssignments = [
        {
          id: `${REG}/providers/Microsoft.Authorization/denyAssignments/d`,
          name: 'stack-deny',
          scope: `${SUB}/resourceGroups/shared-rg`,
          permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
          principals: [{ id: PRINCIPAL }],
          excludePrincipals: [],
        },
      ];
      return f;
    },
    'arm-authz/deny-assignment',
    'deny-assignment',
  ],
  [
    "system identity on the app's first revision",
    () =>
      systemFacts((f) => {
        f.app.createdAt = '2026-11-21T09:58:40Z';
      }),
    'acr-pull/system-identity-on-create',
    'system-identity-on-create',
  ],
  [
    'system identity on create, role granted after the revision',
    () =>
      systemFacts((f) => {
        f.app.createdAt = '2026-11-21T09:40:00Z';
        f.revision = { ...(f.revision as NonNullable<AcrPullFacts['revision']>), createdTime: '2026-11-21T09:41:00Z' };
        f.roleAssignments = [assignment(ROLE_IDS.acrPull, REG, '2026-11-21T09:45:00Z', SYSTEM_PRINCIPAL)];
      }),
    'acr-pull/system-identity-on-create',
    'system-identity-on-create',
  ],
  ['system identity on an old app: plain missing role', () => systemFacts(), 'acr-pull/missing-role', 'missing-role'],
  [
    'ABAC registry, AcrPull held',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).roleAssignmentMode = 'AbacRepositoryPermissions';
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, REG)];
      return f;
    },
    'acr-pull/abac-role-mismatch',
    'abac-role-mismatch',
  ],
  [
    'ABAC registry, nothing held',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).roleAssignmentMode = 'AbacRepositoryPermissions';
      return f;
    },
    'acr-pull/missing-role',
    'missing-role',
  ],
  [
    'ABAC registry, Repository Reader held, policy disabled',
    () => {
      const f = seedFacts();
      Object.assign(f.registry as object, {
        roleAssignmentMode: 'AbacRepositoryPermissions',
        armTokenAuth: 'disabled',
      });
      f.roleAssignments = [assignment(ROLE_IDS.repositoryReader, REG)];
      return f;
    },
    'acr-pull/arm-token-auth-disabled',
    'arm-token-auth-disabled',
  ],
  [
    'AcrPull created 3 minutes ago',
    () => {
      const f = seedFacts();
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, REG, '2026-11-21T09:57:00Z')];
      return f;
    },
    'acr-pull/role-propagating',
    'role-propagating',
  ],
  [
    'AcrPull on a sibling registry only',
    () => {
      const f = seedFacts();
      f.roleAssignments = [
        assignment(
          ROLE_IDS.acrPull,
          `${SUB}/resourceGroups/shared-rg/providers/Microsoft.ContainerRegistry/registries/other`,
        ),
      ];
      return f;
    },
    'acr-pull/missing-role',
    'missing-role',
  ],
  [
    'AcrPull at resource-group scope, policy disabled',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).armTokenAuth = 'disabled';
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, `${SUB}/resourceGroups/SHARED-RG`)];
      return f;
    },
    'acr-pull/arm-token-auth-disabled',
    'arm-token-auth-disabled',
  ],
  [
    'Reader (*/read) at subscription scope, policy disabled',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).armTokenAuth = 'disabled';
      f.roleAssignments = [assignment('acdd72a7-3385-48ef-bd42-f606fba81ae7', SUB)];
      f.roleDefinitions = {
        'acdd72a7-3385-48ef-bd42-f606fba81ae7': {
          id: 'x/acdd72a7-3385-48ef-bd42-f606fba81ae7',
          name: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
          roleName: 'Reader',
          permissions: [{ actions: ['*/read'], notActions: [], dataActions: [], notDataActions: [] }],
          assignableScopes: ['/'],
        },
      };
      return f;
    },
    'acr-pull/arm-token-auth-disabled',
    'arm-token-auth-disabled',
  ],
  [
    'AcrPull at a management group above the registry, policy disabled',
    () => {
      const f = seedFacts();
      (f.registry as NonNullable<AcrPullFacts['registry']>).armTokenAuth = 'disabled';
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, '/providers/Microsoft.Management/managementGroups/corp')];
      f.managementGroupIds = ['/providers/Microsoft.Management/managementGroups/corp'];
      return f;
    },
    'acr-pull/arm-token-auth-disabled',
    'arm-token-auth-disabled',
  ],
  [
    'unreadable custom role does not count',
    () => {
      const f = seedFacts();
      f.roleAssignments = [assignment('12345678-1234-1234-1234-123456789012', REG)];
      return f;
    },
    'acr-pull/missing-role',
    'missing-role',
  ],
  [
    'role in effect and policy enabled: unknown, never a guess',
    () => {
      const f = seedFacts();
      f.roleAssignments = [assignment(ROLE_IDS.acrPull, REG)];
      return f;
    },
    'unknown',
    'unexplained',
  ],
];

describe('ACR pull rules', () => {
  it('are an explicit ordered list ending in a catch-all', () => {
    expect(ACR_PULL_RULES.map((r) => r.name)).toEqual([
      'image-not-found',
      'rate-limited',
      'registry-not-found',
      'network-blocked',
      'credentials-rejected',
      'no-registry-identity',
      'identity-not-attached',
      'deny-assignment',
      'system-identity-on-create',
      'abac-role-mismatch',
      'role-propagating',
      'missing-role',
      'arm-token-auth-disabled',
      'unexplained',
    ]);
  });

  it.each(acrCases.map(([n, make, kind, rule]) => [n, kind, make, rule] as const))(
    '%s → %s',
    (_name, kind, make, rule) => {
      const r = classifyWithRule(make());
      expect(r.diagnosis.kind).toBe(kind);
      expect(r.rule).toBe(rule);
      expect(r.diagnosis.summary.length).toBeGreaterThan(20);
      expect(r.diagnosis.evidence.length).toBeGreaterThan(0);
    },
  );

  it('seed story: names the identity, its principal, the registry and the AcrPull role', () => {
    const d = classify(seedFacts());
    expect(d.details.identity).toEqual({ kind: 'user-assigned', resourceId: UAI, principalId: PRINCIPAL });
    expect(d.details.registryId).toBe(REG);
    expect(d.details.requiredRoleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.acrPull}$`));
    expect(d.summary).toContain('web-pull');
    expect(d.evidence.join('\n')).toContain(PRINCIPAL);
    expect(d.evidence.join('\n')).toContain('acmeacr');
    expect(d.manualSteps?.[0]).toContain(`--scope "${REG}"`);
  });

  it('ABAC: the required role is Repository Reader', () => {
    const f = seedFacts();
    (f.registry as NonNullable<AcrPullFacts['registry']>).roleAssignmentMode = 'AbacRepositoryPermissions';
    expect(classify(f).details.requiredRoleDefinitionId).toMatch(new RegExp(`${ROLE_IDS.repositoryReader}$`));
  });

  it('role-propagating says when the role takes effect', () => {
    const f = seedFacts();
    f.roleAssignments = [
      assignment(ROLE_IDS.acrPull, REG, '2026-11-21T09:57:00Z'),
      assignment(ROLE_IDS.acrPull, `${SUB}/resourceGroups/shared-rg`, '2026-11-21T09:55:00Z'),
    ];
    const d = classify(f);
    expect(d.details.newestAssignmentCreatedOn).toBe('2026-11-21T09:57:00Z');
    expect(d.details.effectiveAt).toBe('2026-11-21T10:07:00.000Z');
    expect(d.summary).toContain('2026-11-21T10:07:00.000Z');
  });
});

// ───────────────────────────── ARM AuthorizationFailed ─────────────────────────────

const CALLER = 'd1c2b3a4-9e8f-4a7b-b6c5-d4e3f2a1b0c9';
const SA = `${SUB}/resourceGroups/data-rg/providers/Microsoft.Storage/storageAccounts/acmedata`;
const STORAGE_WRITE = 'Microsoft.Storage/storageAccounts/write';
const builtIns = [
  {
    id: '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    name: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    roleName: 'Owner',
    roleType: 'BuiltInRole',
    permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
    assignableScopes: ['/'],
  },
  {
    id: '/providers/Microsoft.Authorization/roleDefinitions/17d1049b-9a84-46fb-8f53-869881c3d3ab',
    name: '17d1049b-9a84-46fb-8f53-869881c3d3ab',
    roleName: 'Storage Account Contributor',
    roleType: 'BuiltInRole',
    permissions: [
      {
        actions: ['Microsoft.Storage/storageAccounts/*', 'Microsoft.Resources/deployments/*'],
        notActions: [],
        dataActions: [],
        notDataActions: [],
      },
    ],
    assignableScopes: ['/'],
  },
];

function authzFacts(action = STORAGE_WRITE, scope = SA): ArmAuthzFacts {
  return {
    flavor: 'arm-authz',
    now: NOW,
    propagationWindowMs: 10 * 60_000,
    resourceId: scope,
    failure: {
      code: 'AuthorizationFailed',
      message: `... action '${action}' over scope '${scope}'`,
      callerObjectId: CALLER,
      action,
      scope,
    },
    messageSource: 'event',
    callerPrincipalId: CALLER,
    callerPrincipalType: 'User',
    roleAssignments: [],
    roleDefinitions: {},
    denyAssignments: [],
    builtInRoles: builtIns,
    managementGroupIds: [],
  };
}
const sac = (scope: string, createdOn = '2026-01-01T00:00:00Z'): RoleAssignmentInfo =>
  assignment('17d1049b-9a84-46fb-8f53-869881c3d3ab', scope, createdOn, CALLER);

const authzCases: Array<[string, () => ArmAuthzFacts, DiagnosisKind, string]> = [
  ['nothing held → least-privilege role', () => authzFacts(), 'arm-authz/missing-role', 'missing-role'],
  [
    'deny assignment',
    () => {
      const f = authzFacts();
      f.roleAssignments = [sac(SUB)];
      f.denyAssignments = [
        {
          id: 'deny-1',
          scope: SUB,
          permissions: [{ actions: ['Microsoft.Storage/*'], notActions: [], dataActions: [], notDataActions: [] }],
          principals: [{ id: '00000000-0000-0000-0000-000000000000' }],
          excludePrincipals: [],
        },
      ];
      return f;
    },
    'arm-authz/deny-assignment',
    'deny-assignment',
  ],
  [
    'granting role at the resource group, 2 minutes old',
    () => {
      const f = authzFacts();
      f.roleAssignments = [sac(`${SUB}/resourceGroups/data-rg`, '2026-11-21T09:58:00Z')];
      return f;
    },
    'arm-authz/role-propagating',
    'role-propagating',
  ],
  [
    'granting role at a sibling resource group',
    () => {
      const f = authzFacts();
      f.roleAssignments = [sac(`${SUB}/resourceGroups/data-rg-test`)];
      return f;
    },
    'arm-authz/wrong-scope',
    'wrong-scope',
  ],
  [
    'granting role at a management group above, in effect: not wrong-scope',
    () => {
      const f = authzFacts();
      const mg = '/providers/Microsoft.Management/managementGroups/corp';
      f.roleAssignments = [sac(mg)];
      f.managementGroupIds = [mg];
      return f;
    },
    'unknown',
    'unexplained',
  ],
  [
    'acr pull denied',
    () => authzFacts('Microsoft.ContainerRegistry/registries/pull/read', REG),
    'arm-authz/acr-pull-denied',
    'acr-pull-denied',
  ],
  [
    'granting role in effect: unknown',
    () => {
      const f = authzFacts();
      f.roleAssignments = [sac(SUB)];
      return f;
    },
    'unknown',
    'unexplained',
  ],
];

describe('ARM AuthorizationFailed rules', () => {
  it('are an explicit ordered list', () => {
    expect(ARM_AUTHZ_RULES.map((r) => r.name)).toEqual([
      'deny-assignment',
      'role-propagating',
      'condition-not-met',
      'condition-unevaluable',
      'unexplained',
      'wrong-scope',
      'acr-pull-denied',
      'wrong-principal',
      'missing-role',
    ]);
  });
  it.each(authzCases.map(([n, make, kind, rule]) => [n, kind, make, rule] as const))(
    '%s → %s',
    (_n, kind, make, rule) => {
      const r = classifyWithRule(make());
      expect([r.diagnosis.kind, r.rule]).toEqual([kind, rule]);
    },
  );
  it('missing-role recommends the narrowest built-in role at the exact denied scope', () => {
    const d = classify(authzFacts());
    expect(d.details.recommendedRole?.roleName).toBe('Storage Account Contributor');
    expect(d.details.deniedScope).toBe(SA);
    expect(d.details.deniedAction).toBe(STORAGE_WRITE);
    expect(d.manualSteps?.[0]).toContain(`--scope "${SA}"`);
  });
  it('wrong-scope names the assignment at the wrong scope', () => {
    const f = authzFacts();
    f.roleAssignments = [sac(`${SUB}/resourceGroups/data-rg-test`)];
    const d = classify(f);
    expect(d.details.wrongScopeAssignment).toMatchObject({
      scope: `${SUB}/resourceGroups/data-rg-test`,
      roleName: 'Storage Account Contributor',
    });
  });
});

describe('unclassified', () => {
  it('keeps the raw message', () => {
    const d = classify({
      flavor: 'unclassified',
      resourceId: APP,
      reason: 'Revision failed with an error the remediator does not recognise.',
      rawMessage: 'OOMKilled',
      evidence: ['x'],
    });
    expect(d.kind).toBe('unknown');
    expect(d.details.rawMessage).toBe('OOMKilled');
    expect(d.summary).toContain('OOMKilled');
  });
});
