/**
 * Least privilege: the role ids the templates grant, the exact ABAC condition (DOMAIN.md) with conditionVersion 2.0
 * on Role Based Access Control Administrator, narrow custom roles, and no Owner / Contributor / User Access
 * Administrator anywhere under infra/.
 */
import { join } from 'node:path';
import { PULL_ROLE_IDS, ROLE_IDS } from '../../src/model';
import {
  INFRA_DIR,
  listFilesRecursively,
  readBlockEntries,
  readBlockObject,
  readBlocks,
  readJson,
  readText,
} from './bicep-reader';

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

const rbac = readJson<RbacFacts>(join(INFRA_DIR, 'rbac.json'));
const mainText = readText(join(INFRA_DIR, 'main.bicep'));
const infraFiles = listFilesRecursively(INFRA_DIR);
const bicepFiles = infraFiles.filter((f) => f.endsWith('.bicep'));

const FORBIDDEN = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
};

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

describe('role ids', () => {
  it('RBAC Administrator and the pull roles are the ids the code uses', () => {
    expect(rbac.builtInRoles['rbacAdministrator']).toBe(ROLE_IDS.rbacAdministrator);
    expect(rbac.builtInRoles['rbacAdministrator']).toBe('f58310d9-a9f6-439a-9e8d-f62e7b41a168');
    expect([rbac.pullRoles.acrPull, rbac.pullRoles.repositoryReader].sort()).toEqual([...PULL_ROLE_IDS].sort());
    expect(rbac.builtInRoles['reader']).toBe('acdd72a7-3385-48ef-bd42-f606fba81ae7');
  });

  it('no Owner, Contributor or User Access Administrator id anywhere under infra/ (any case, with or without dashes)', () => {
    for (const file of infraFiles) {
      const text = readText(file).toLowerCase();
      for (const [name, id] of Object.entries(FORBIDDEN)) {
        expect({ file, role: name, found: text.includes(id) || text.includes(id.replace(/-/g, '')) }).toEqual({
          file,
          role: name,
          found: false,
        });
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

  it('every role assignment in the templates uses a role from rbac.json or a custom role defined here', () => {
    const allowed = new RegExp(
      `^(rbac\\.builtInRoles\\.(${Object.keys(rbac.builtInRoles).join('|')})|roleDefinitionGuid)$`,
    );
    for (const file of bicepFiles) {
      for (const block of readBlocks(readText(file)).filter((b) =>
        b.target.startsWith('Microsoft.Authorization/roleAssignments@'),
      )) {
        const props = readBlockObject(block, 'properties')!;
        const roleRef = /^subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', ([\w.]+)\)$/.exec(
          props.get('roleDefinitionId') ?? '',
        );
        expect({ file, block: block.symbol, role: roleRef?.[1] }).toEqual({
          file,
          block: block.symbol,
          role: expect.stringMatching(allowed),
        });
        expect(props.get('principalType')).toBe("'ServicePrincipal'");
      }
    }
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

  it('main.bicep grants it at the registry scopes, always with the condition', () => {
    const entry =
      /map\(effectiveRegistryScopes, s => \{\s*scope: s\s*roleDefinitionGuid: rbac\.builtInRoles\.rbacAdministrator\s*condition: rbac\.rbacAdministratorCondition\s*conditionVersion: rbac\.rbacAdministratorConditionVersion\s*\}\)/;
    expect(mainText).toMatch(entry);
    // it is the only place RBAC Administrator appears
    expect(mainText.match(/rbac\.builtInRoles\.rbacAdministrator\b/g)?.length).toBe(1);
    expect(mainText).toMatch(
      /var effectiveRegistryScopes = empty\(registryScopes\) \? \[subscription\(\)\.id\] : registryScopes/,
    );
  });

  it.each(
    bicepFiles.filter((f) => /role-assignment-[\w-]+\.bicep$/.test(f)).map((f) => [f.slice(INFRA_DIR.length + 1), f]),
  )('%s passes condition and conditionVersion through to the assignment', (_name, file) => {
    const block = readBlocks(readText(file)).find((b) =>
      b.target.startsWith('Microsoft.Authorization/roleAssignments@'),
    )!;
    const props = readBlockObject(block, 'properties')!;
    expect(props.get('condition')).toBe('empty(condition) ? null : condition');
    expect(props.get('conditionVersion')).toBe('empty(condition) ? null : conditionVersion');
    expect(readBlockEntries(block).get('name')).toMatch(/^guid\(.*principalId, roleDefinitionGuid\)$/); // idempotent
    expect(props.get('description')).toBe('description');
  });

  it('every module call for the remediator identity forwards the condition of its entry', () => {
    const modules = readBlocks(mainText).filter((b) => b.kind === 'module' && b.target.includes('role-assignment-'));
    expect(modules.length).toBe(4);
    for (const m of modules) {
      const params = readBlockObject(m, 'params')!;
      expect(params.get('condition')).toBe('a.condition');
      expect(params.get('conditionVersion')).toBe('a.conditionVersion');
      expect(params.get('principalId')).toBe('identities.outputs.remediatorPrincipalId');
      expect(params.get('description')).toBe('rbac.assignmentDescription');
    }
  });
});

describe('custom roles', () => {
  const redeployer = rbac.customRoles.containerAppRedeployer;
  const armTokenAuth = rbac.customRoles.registryArmTokenAuthEnabler;

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

  it('the registry role only writes registries, and is only deployed when the operator opts in', () => {
    expect(armTokenAuth.actions.sort()).toEqual([
      'Microsoft.ContainerRegistry/registries/read',
      'Microsoft.ContainerRegistry/registries/write',
    ]);
    const def = readBlocks(mainText).find((b) => b.symbol === 'registryArmTokenAuthRole')!;
    expect(def.head).toBe('if (enableArmTokenAuthFix)');
    expect(def.body).toMatch(/actions: rbac\.customRoles\.registryArmTokenAuthEnabler\.actions/);
    expect(mainText).toMatch(
      /enableArmTokenAuthFix\s*\?\s*map\(effectiveRegistryScopes, s => \{\s*scope: s\s*roleDefinitionGuid: armTokenAuthRoleGuid/,
    );
    expect(mainText).toMatch(/^param enableArmTokenAuthFix bool = false$/m);
  });

  it('the redeployer role definition uses the rbac.json actions', () => {
    const def = readBlocks(mainText).find((b) => b.symbol === 'containerAppRedeployerRole')!;
    expect(def.head).toBe('');
    expect(def.body).toMatch(/actions: rbac\.customRoles\.containerAppRedeployer\.actions/);
    expect(def.body).toMatch(/type: 'CustomRole'/);
  });
});

describe('where the remediator identity reads and writes', () => {
  it('Reader at the read scopes (default: the subscription), nothing broader', () => {
    expect(mainText).toMatch(
      /map\(effectiveReadScopes, s => \{\s*scope: s\s*roleDefinitionGuid: rbac\.builtInRoles\.reader\s*condition: ''/,
    );
    expect(mainText).toMatch(/var effectiveReadScopes = empty\(readScopes\) \? \[subscription\(\)\.id\] : readScopes/);
  });

  it('data-plane roles only on its own storage account, Application Insights and the two secrets', () => {
    const appText = readText(join(INFRA_DIR, 'modules', 'app.bicep'));
    const assignments = readBlocks(appText).filter((b) =>
      b.target.startsWith('Microsoft.Authorization/roleAssignments@'),
    );
    const byRole = assignments.map((b) => {
      const props = readBlockObject(b, 'properties')!;
      return {
        role: /rbac\.builtInRoles\.(\w+)/.exec(props.get('roleDefinitionId') ?? '')?.[1],
        scope: readBlockEntries(b).get('scope'),
        principal: props.get('principalId'),
      };
    });
    expect(byRole).toEqual(
      expect.arrayContaining([
        { role: 'storageBlobDataOwner', scope: 'storage', principal: 'remediatorIdentity.properties.principalId' },
        {
          role: 'storageQueueDataContributor',
          scope: 'storage',
          principal: 'remediatorIdentity.properties.principalId',
        },
        {
          role: 'storageTableDataContributor',
          scope: 'storage',
          principal: 'remediatorIdentity.properties.principalId',
        },
        {
          role: 'monitoringMetricsPublisher',
          scope: 'appInsights',
          principal: 'remediatorIdentity.properties.principalId',
        },
        { role: 'keyVaultSecretsUser', scope: 'teamsSecret', principal: 'remediatorIdentity.properties.principalId' },
        { role: 'keyVaultSecretsUser', scope: 'slackSecret', principal: 'remediatorIdentity.properties.principalId' },
        // Event Grid's own identity: only the dead-letter container
        {
          role: 'storageBlobDataContributor',
          scope: 'deadLetterContainer',
          principal: 'eventGridIdentity.properties.principalId',
        },
      ]),
    );
    expect(byRole.length).toBe(7);
  });
});
