/**
 * Least privilege, read from the compiled templates: the role ids they grant, the exact ABAC condition (DOMAIN.md)
 * with conditionVersion 2.0 on Role Based Access Control Administrator at every registry scope, narrow custom
 * roles, the role assignments main.bicep makes for given scopes (its assignment list evaluated), and no Owner /
 * Contributor / User Access Administrator anywhere under infra/ or in what it compiles to.
 */
import { join, relative } from 'node:path';
import { PULL_ROLE_IDS, ROLE_IDS } from '../../src/model';
import {
  ARM_DIR,
  INFRA_DIR,
  type ArmResource,
  type ArmTemplate,
  SAMPLE_SUBSCRIPTION,
  evaluate,
  findModule,
  findResources,
  listFilesRecursively,
  loadCompiledTemplate,
  parseExpression,
  readJson,
  readText,
  renderExpression,
} from './arm';

interface CustomRole {
  roleName: string;
  description: string;
  actions: string[];
}
interface RbacFacts {
  builtInRoles: Record<string, string>;
  pullRoles: { acrPull: string; repositoryReader: string };
  rbacAdministratorCondition: string;
  rbacAdministratorConditionVersion: string;
  customRoles: { containerAppRedeployer: CustomRole; registryArmTokenAuthEnabler: CustomRole };
  assignmentDescription: string;
}
interface AssignmentEntry {
  scope: string;
  roleDefinitionGuid: string;
  condition: string;
  conditionVersion: string;
}

const rbac = readJson<RbacFacts>(join(INFRA_DIR, 'rbac.json'));
const infraFiles = listFilesRecursively(INFRA_DIR);
const bicepFiles = infraFiles.filter((f) => f.endsWith('.bicep'));
const main = loadCompiledTemplate('main');
const compiled = bicepFiles.map((f) => {
  const name = relative(INFRA_DIR, f).replace(/\.bicep$/, '');
  return { name, template: loadCompiledTemplate(name) };
});

const FORBIDDEN = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
};

const SUB = SAMPLE_SUBSCRIPTION.id;
const OTHER_SUB = '/subscriptions/00000000-0000-0000-0000-00000000cccc';
const RG = `${OTHER_SUB}/resourceGroups/rg-apps`;
const REGISTRY = `${RG}/providers/Microsoft.ContainerRegistry/registries/contoso`;
const CONTAINER_APP = `${RG}/providers/Microsoft.App/containerApps/web`;

/** The condition text of DOMAIN.md, built from the code's own pull role list. */
function buildExpectedCondition(): string {
  const ids = PULL_ROLE_IDS.join(', ');
  return (
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR ` +
    `(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}})) AND ` +
    `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR ` +
    `(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${ids}}))`
  );
}

/** main.bicep's variables evaluated for the given parameters (the required ones get sample values). */
function evaluateMain(parameters: Record<string, unknown> = {}): (variable: string) => unknown {
  const ctx = { template: main, parameters: { environmentName: 'prod', location: 'westeurope', ...parameters } };
  return (variable) => evaluate(`[variables('${variable}')]`, ctx);
}

/** Every role assignment resource of a template and of the templates nested in it. */
function collectRoleAssignments(t: ArmTemplate): ArmResource[] {
  return t.resources.flatMap((r) => [
    ...(r.type === 'Microsoft.Authorization/roleAssignments' ? [r] : []),
    ...(r.properties?.template ? collectRoleAssignments(r.properties.template) : []),
  ]);
}

const roleName = (guid: string): string =>
  Object.entries(rbac.builtInRoles).find(([, id]) => id === guid)?.[0] ?? `custom:${guid}`;

describe('role ids', () => {
  it('RBAC Administrator and the pull roles are the ids the code uses', () => {
    expect(rbac.builtInRoles['rbacAdministrator']).toBe(ROLE_IDS.rbacAdministrator);
    expect(rbac.builtInRoles['rbacAdministrator']).toBe('f58310d9-a9f6-439a-9e8d-f62e7b41a168');
    expect([rbac.pullRoles.acrPull, rbac.pullRoles.repositoryReader].sort()).toEqual([...PULL_ROLE_IDS].sort());
    expect(rbac.builtInRoles['reader']).toBe('acdd72a7-3385-48ef-bd42-f606fba81ae7');
  });

  it('the compiled templates carry rbac.json as it is', () => {
    expect(evaluate("[variables('rbac')]", { template: main })).toEqual(rbac);
    const app = loadCompiledTemplate('modules/app');
    expect(evaluate("[variables('rbac')]", { template: app })).toEqual(rbac);
  });

  it('no Owner, Contributor or User Access Administrator id under infra/ or in the compiled templates (any case, with or without dashes)', () => {
    const texts = [
      ...infraFiles.map((file) => ({ file, text: readText(file) })),
      ...listFilesRecursively(ARM_DIR).map((file) => ({ file, text: readText(file) })),
    ];
    for (const { file, text } of texts) {
      const lower = text.toLowerCase();
      for (const [name, id] of Object.entries(FORBIDDEN)) {
        const found = lower.includes(id) || lower.includes(id.replace(/-/g, ''));
        expect({ file, role: name, found }).toEqual({ file, role: name, found: false });
      }
    }
  });

  it('no built-in role is granted by name either, and no GUID is hard-coded in Bicep (all come from rbac.json)', () => {
    for (const file of bicepFiles) {
      const text = readText(file);
      expect(text).not.toMatch(/'(Owner|Contributor|User Access Administrator)'/);
      expect({
        file,
        guids: text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [],
      }).toEqual({ file, guids: [] });
    }
  });

  it('every role assignment in the compiled templates grants a role from rbac.json or a role given as a parameter', () => {
    const allowed = new RegExp(
      `^(variables\\('rbac'\\)\\.builtInRoles\\.(${Object.keys(rbac.builtInRoles).join('|')})|parameters\\('roleDefinitionGuid'\\))$`,
    );
    let count = 0;
    for (const { name, template } of compiled) {
      for (const r of findResources(template, 'Microsoft.Authorization/roleAssignments')) {
        const call = parseExpression(String(r.properties?.['roleDefinitionId']));
        expect(call).toMatchObject({ kind: 'call', name: 'subscriptionResourceId' });
        const args = call.kind === 'call' ? call.args.map(renderExpression) : [];
        expect({ name, type: args[0], role: args[1] }).toEqual({
          name,
          type: "'Microsoft.Authorization/roleDefinitions'",
          role: expect.stringMatching(allowed),
        });
        // Identities are service principals; the one group grant is the read-only audit reader (monitoring.bicep).
        const auditReader = args[1] === "variables('rbac').builtInRoles.storageTableDataReader";
        expect(r.properties?.['principalType']).toBe(auditReader ? 'Group' : 'ServicePrincipal');
        count++;
      }
    }
    expect(count).toBe(14); // 9 in app.bicep, 1 in each role-assignment module, the audit reader in monitoring.bicep
  });
});

describe('Role Based Access Control Administrator with the ABAC condition', () => {
  it('rbac.json holds exactly the DOMAIN.md condition, version 2.0', () => {
    expect(rbac.rbacAdministratorCondition).toBe(buildExpectedCondition());
    expect(rbac.rbacAdministratorConditionVersion).toBe('2.0');
  });

  it('the condition only ever names the two pull roles', () => {
    const guids =
      rbac.rbacAdministratorCondition.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [];
    expect(guids.length).toBe(4);
    expect([...new Set(guids)].sort()).toEqual([...PULL_ROLE_IDS].sort());
  });

  it.each([
    ['by default (this subscription)', {}, [SUB]],
    ['at given registry scopes', { registryScopes: [REGISTRY, RG, OTHER_SUB] }, [REGISTRY, RG, OTHER_SUB]],
  ])('main.bicep grants it %s, always with the condition', (_label, parameters, scopes) => {
    const entries = evaluateMain(parameters)('remediatorAssignments') as AssignmentEntry[];
    const admin = entries.filter((e) => e.roleDefinitionGuid === rbac.builtInRoles['rbacAdministrator']);
    expect(admin.map((e) => e.scope)).toEqual(scopes);
    for (const e of admin) {
      expect(e.condition).toBe(buildExpectedCondition());
      expect(e.conditionVersion).toBe('2.0');
    }
    // no other entry carries a condition, and no other entry is RBAC Administrator
    expect(entries.filter((e) => e.condition !== '').length).toBe(admin.length);
  });

  it('each assignment is routed to the module for its scope kind, exactly once', () => {
    const read = evaluateMain({
      readScopes: [OTHER_SUB, RG],
      registryScopes: [REGISTRY],
      containerAppScopes: [CONTAINER_APP, RG],
      enableArmTokenAuthFix: true,
    });
    const all = read('remediatorAssignments') as AssignmentEntry[];
    const routed = {
      subscription: read('subscriptionAssignments') as AssignmentEntry[],
      resourceGroup: read('resourceGroupAssignments') as AssignmentEntry[],
      registry: read('registryAssignments') as AssignmentEntry[],
      containerApp: read('containerAppAssignments') as AssignmentEntry[],
    };
    const describe = (list: AssignmentEntry[]): string[] =>
      list.map((e) => `${roleName(e.roleDefinitionGuid)}@${e.scope}`);
    const redeployer = read('redeployerRoleGuid');
    const armTokenAuth = read('armTokenAuthRoleGuid');
    expect(describe(routed.subscription)).toEqual([`reader@${OTHER_SUB}`]);
    expect(describe(routed.resourceGroup)).toEqual([`reader@${RG}`, `custom:${String(redeployer)}@${RG}`]);
    expect(describe(routed.registry)).toEqual([
      `rbacAdministrator@${REGISTRY}`,
      `custom:${String(armTokenAuth)}@${REGISTRY}`,
    ]);
    expect(describe(routed.containerApp)).toEqual([`custom:${String(redeployer)}@${CONTAINER_APP}`]);
    expect(Object.values(routed).flat().length).toBe(all.length);
  });

  it.each(compiled.filter((c) => c.name.startsWith('modules/role-assignment-')).map((c) => [c.name, c.template]))(
    '%s passes condition and conditionVersion through to the assignment',
    (_name, template) => {
      const [assignment] = findResources(template, 'Microsoft.Authorization/roleAssignments');
      const props = assignment!.properties!;
      const params = {
        principalId: 'p',
        roleDefinitionGuid: 'r',
        assignmentDescription: 'd',
        registryName: 'x',
        containerAppName: 'y',
      };
      const withCondition = evaluate(props, {
        template,
        parameters: { ...params, condition: 'C', conditionVersion: '2.0' },
      });
      expect(withCondition).toMatchObject({
        condition: 'C',
        conditionVersion: '2.0',
        description: 'd',
        principalId: 'p',
      });
      const without = evaluate(props, { template, parameters: { ...params, condition: '', conditionVersion: '' } });
      expect(without).toMatchObject({ condition: null, conditionVersion: null });
      // idempotent: the name is a guid of scope, principal and role
      const name = parseExpression(assignment!.name);
      expect(name.kind === 'call' && name.name).toBe('guid');
      expect(name.kind === 'call' && name.args.slice(-2).map(renderExpression)).toEqual([
        "parameters('principalId')",
        "parameters('roleDefinitionGuid')",
      ]);
    },
  );

  it('every module call for the remediator identity forwards the condition of its entry', () => {
    const loops = {
      assignmentsAtSubscription: 'subscriptionAssignments',
      assignmentsAtResourceGroup: 'resourceGroupAssignments',
      assignmentsAtRegistry: 'registryAssignments',
      assignmentsAtContainerApp: 'containerAppAssignments',
    };
    for (const [loop, list] of Object.entries(loops)) {
      const m = findModule(main, loop);
      expect(m.copy?.count).toBe(`[length(variables('${list}'))]`);
      const p = m.properties.parameters!;
      expect(p['condition']?.value).toBe(`[variables('${list}')[copyIndex()].condition]`);
      expect(p['conditionVersion']?.value).toBe(`[variables('${list}')[copyIndex()].conditionVersion]`);
      expect(p['roleDefinitionGuid']?.value).toBe(`[variables('${list}')[copyIndex()].roleDefinitionGuid]`);
      expect(String(p['principalId']?.value)).toMatch(
        /'remediator-identities'\), '[\d-]+'\)\.outputs\.remediatorPrincipalId\.value\]$/,
      );
      expect(p['assignmentDescription']?.value).toBe("[variables('rbac').assignmentDescription]");
    }
  });
});

describe('custom roles', () => {
  const redeployer = rbac.customRoles.containerAppRedeployer;
  const armTokenAuth = rbac.customRoles.registryArmTokenAuthEnabler;
  const definitions = findResources(main, 'Microsoft.Authorization/roleDefinitions');
  const ctx = { template: main, parameters: { environmentName: 'prod', location: 'westeurope' } };

  it('are narrow: no wildcards, no authorization or delete actions', () => {
    for (const role of [redeployer, armTokenAuth]) {
      for (const a of role.actions) {
        expect(a).not.toContain('*');
        expect(a).not.toMatch(/^Microsoft\.Authorization\//i);
        expect(a).not.toMatch(/\/delete$/i);
        expect(a).not.toMatch(/listKeys|listSecrets|listCredentials/i);
      }
    }
  });

  it('the redeployer can PATCH container apps and restart revisions, nothing on registries', () => {
    expect(redeployer.actions).toEqual(
      expect.arrayContaining([
        'Microsoft.App/containerApps/write',
        'Microsoft.App/containerApps/revisions/restart/action',
      ]),
    );
    expect(redeployer.actions.every((a) => a.startsWith('Microsoft.App/'))).toBe(true);
  });

  it('the redeployer role definition is always deployed with the rbac.json actions, assignable where it is assigned', () => {
    const def = definitions.find((d) => d.name === "[variables('redeployerRoleGuid')]")!;
    expect(def.condition).toBeUndefined();
    const props = evaluate(def.properties, {
      ...ctx,
      parameters: { ...ctx.parameters, containerAppScopes: [CONTAINER_APP] },
    }) as { type: string; permissions: Array<{ actions: string[] }>; assignableScopes: string[] };
    expect(props.type).toBe('CustomRole');
    expect(props.permissions[0]!.actions).toEqual(redeployer.actions);
    expect(props.assignableScopes).toEqual([SUB, OTHER_SUB]);
  });

  it('the registry role only writes registries, and is only deployed and assigned when the operator opts in', () => {
    expect(armTokenAuth.actions.sort()).toEqual([
      'Microsoft.ContainerRegistry/registries/read',
      'Microsoft.ContainerRegistry/registries/write',
    ]);
    const def = definitions.find((d) => d.name === "[variables('armTokenAuthRoleGuid')]")!;
    expect(def.condition).toBe("[parameters('enableArmTokenAuthFix')]");
    const props = evaluate(def.properties, ctx) as { permissions: Array<{ actions: string[] }> };
    expect(props.permissions[0]!.actions).toEqual(armTokenAuth.actions);
    expect(main.parameters['enableArmTokenAuthFix']).toMatchObject({ type: 'bool', defaultValue: false });
    const guid = evaluateMain()('armTokenAuthRoleGuid');
    const off = evaluateMain({ registryScopes: [REGISTRY] })('remediatorAssignments') as AssignmentEntry[];
    expect(off.some((e) => String(e.roleDefinitionGuid) === String(guid))).toBe(false);
    const on = evaluateMain({ registryScopes: [REGISTRY], enableArmTokenAuthFix: true })(
      'remediatorAssignments',
    ) as AssignmentEntry[];
    expect(on.filter((e) => String(e.roleDefinitionGuid) === String(guid)).map((e) => e.scope)).toEqual([REGISTRY]);
  });
});

describe('where the remediator identity reads and writes', () => {
  it('Reader at the read scopes (default: the subscription), nothing broader', () => {
    const readerAt = (parameters: Record<string, unknown>): string[] =>
      (evaluateMain(parameters)('remediatorAssignments') as AssignmentEntry[])
        .filter((e) => e.roleDefinitionGuid === rbac.builtInRoles['reader'])
        .map((e) => e.scope);
    expect(readerAt({})).toEqual([SUB]);
    expect(readerAt({ readScopes: [RG] })).toEqual([RG]);
    // every entry's role is Reader, RBAC Administrator (with its condition) or one of the two custom roles
    const read = evaluateMain({ enableArmTokenAuthFix: true });
    const roles = new Set(
      (read('remediatorAssignments') as AssignmentEntry[]).map((e) => String(e.roleDefinitionGuid)),
    );
    expect([...roles].sort()).toEqual(
      [
        rbac.builtInRoles['reader'],
        rbac.builtInRoles['rbacAdministrator'],
        read('redeployerRoleGuid'),
        read('armTokenAuthRoleGuid'),
      ]
        .map(String)
        .sort(),
    );
  });

  it('data-plane roles only on its own storage account, Application Insights and the two secrets', () => {
    const app = loadCompiledTemplate('modules/app');
    const byRole = collectRoleAssignments(app).map((r) => {
      const scope = parseExpression(r.scope!);
      const scopeArgs = scope.kind === 'call' && scope.name === 'resourceId' ? scope.args.map(renderExpression) : [];
      return {
        role: /variables\('rbac'\)\.builtInRoles\.(\w+)/.exec(String(r.properties?.['roleDefinitionId']))?.[1],
        scope: scopeArgs.join(' '),
        principal: /userAssignedIdentities', parameters\('(\w+)'\)/.exec(String(r.properties?.['principalId']))?.[1],
        condition: r.condition,
      };
    });
    const storage = "'Microsoft.Storage/storageAccounts' parameters('storageAccountName')";
    const remediator = 'remediatorIdentityName';
    expect(byRole).toEqual(
      expect.arrayContaining([
        { role: 'storageBlobDataOwner', scope: storage, principal: remediator, condition: undefined },
        { role: 'storageQueueDataContributor', scope: storage, principal: remediator, condition: undefined },
        { role: 'storageTableDataContributor', scope: storage, principal: remediator, condition: undefined },
        {
          role: 'monitoringMetricsPublisher',
          scope: "'Microsoft.Insights/components' format('appi-{0}', parameters('resourceToken'))",
          principal: remediator,
          condition: undefined,
        },
        {
          role: 'keyVaultSecretsUser',
          scope: "'Microsoft.KeyVault/vaults/secrets' parameters('keyVaultName') parameters('teamsSecretName')",
          principal: remediator,
          condition: "[not(empty(parameters('teamsWebhookUrl')))]",
        },
        {
          role: 'keyVaultSecretsUser',
          scope: "'Microsoft.KeyVault/vaults/secrets' parameters('keyVaultName') parameters('slackSecretName')",
          principal: remediator,
          condition: "[not(empty(parameters('slackWebhookUrl')))]",
        },
        {
          role: 'keyVaultSecretsUser',
          scope: "'Microsoft.KeyVault/vaults/secrets' parameters('keyVaultName') parameters('approvalKeySecretName')",
          principal: remediator,
          condition: "[not(empty(parameters('approvalSigningKey')))]",
        },
        {
          role: 'keyVaultSecretsUser',
          scope: "'Microsoft.KeyVault/vaults/secrets' parameters('keyVaultName') parameters('slackSigningSecretName')",
          principal: remediator,
          condition: "[not(empty(parameters('slackSigningSecret')))]",
        },
        // Event Grid's own identity: only the dead-letter container
        {
          role: 'storageBlobDataContributor',
          scope:
            "'Microsoft.Storage/storageAccounts/blobServices/containers' parameters('storageAccountName') 'default' variables('deadLetterContainerName')",
          principal: 'eventGridIdentityName',
          condition: undefined,
        },
      ]),
    );
    expect(byRole.length).toBe(9);
  });
});
