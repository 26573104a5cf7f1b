import type { RoleDefinitionInfo } from '../../src/azure/arm-port';
import {
  denyApplies,
  grantsAction,
  matchesAction,
  pickLeastPrivilegeRole,
  scorePattern,
} from '../../src/diagnose/rbac';

const role = (
  name: string,
  actions: string[],
  notActions: string[] = [],
  dataActions: string[] = [],
): RoleDefinitionInfo => ({
  id: `/providers/Microsoft.Authorization/roleDefinitions/${name}`,
  name,
  roleName: name,
  roleType: 'BuiltInRole',
  permissions: [{ actions, notActions, dataActions, notDataActions: [] }],
  assignableScopes: ['/'],
});

describe('RBAC evaluation', () => {
  it('matches ARM wildcards case-insensitively', () => {
    expect(matchesAction('*', 'Microsoft.Storage/storageAccounts/write')).toBe(true);
    expect(matchesAction('*/read', 'microsoft.containerregistry/registries/pull/read')).toBe(true);
    expect(matchesAction('*/read', 'Microsoft.Storage/storageAccounts/write')).toBe(false);
    expect(matchesAction('Microsoft.ContainerRegistry/*', 'Microsoft.ContainerRegistry/registries/pull/read')).toBe(
      true,
    );
    expect(matchesAction('Microsoft.ContainerRegistry/*', 'Microsoft.ContainerRegistryX/registries/read')).toBe(false);
    expect(matchesAction('Microsoft.Storage/storageAccounts/write', 'Microsoft.Storage/storageAccounts/write')).toBe(
      true,
    );
  });

  it('honours notActions', () => {
    const contributor = role('Contributor', ['*'], ['Microsoft.Authorization/*/Write']);
    expect(grantsAction(contributor.permissions, 'Microsoft.Storage/storageAccounts/write')).toBe(true);
    expect(grantsAction(contributor.permissions, 'Microsoft.Authorization/roleAssignments/write')).toBe(false);
  });

  it('picks the least-privilege built-in role deterministically', () => {
    const roles = [
      role('Owner', ['*']),
      role('Contributor', ['*'], ['Microsoft.Authorization/*/Write']),
      role('Storage Account Contributor', ['Microsoft.Storage/storageAccounts/*', 'Microsoft.Insights/alertRules/*']),
      role('Storage Narrow', ['Microsoft.Storage/storageAccounts/write', 'Microsoft.Storage/storageAccounts/read']),
      role('Reader', ['*/read']),
      { ...role('Custom Exact', ['Microsoft.Storage/storageAccounts/write']), roleType: 'CustomRole' },
    ];
    expect(pickLeastPrivilegeRole(roles, 'Microsoft.Storage/storageAccounts/write')?.roleName).toBe('Storage Narrow');
    expect(
      pickLeastPrivilegeRole(
        roles.filter((r) => r.roleName !== 'Storage Narrow'),
        'Microsoft.Storage/storageAccounts/write',
      )?.roleName,
    ).toBe('Storage Account Contributor');
    expect(pickLeastPrivilegeRole(roles, 'Microsoft.Web/sites/read')?.roleName).toBe('Reader');
    expect(pickLeastPrivilegeRole(roles, 'Microsoft.Authorization/roleAssignments/write')?.roleName).toBe('Owner');
    expect(pickLeastPrivilegeRole([...roles].reverse(), 'Microsoft.Storage/storageAccounts/write')?.roleName).toBe(
      'Storage Narrow',
    );
    expect(scorePattern('*')).toBeGreaterThan(scorePattern('*/read'));
    expect(scorePattern('*/read')).toBeGreaterThan(scorePattern('Microsoft.Storage/*'));
    expect(scorePattern('Microsoft.Storage/*')).toBeGreaterThan(scorePattern('Microsoft.Storage/storageAccounts/*'));
  });

  it('applies deny assignments by scope, principal, exclusions and child scopes', () => {
    const rg = '/subscriptions/s/resourceGroups/rg';
    const d = {
      id: `${rg}/providers/Microsoft.Authorization/denyAssignments/d1`,
      scope: rg,
      permissions: [{ actions: ['*/write'], notActions: [], dataActions: [], notDataActions: [] }],
      principals: [{ id: '00000000-0000-0000-0000-000000000000' }],
      excludePrincipals: [{ id: 'admin' }],
    };
    expect(
      denyApplies(
        d,
        'p1',
        'Microsoft.Storage/storageAccounts/write',
        `${rg}/providers/Microsoft.Storage/storageAccounts/a`,
      ),
    ).toBe(true);
    expect(denyApplies(d, 'admin', 'Microsoft.Storage/storageAccounts/write', rg)).toBe(false);
    expect(denyApplies(d, 'p1', 'Microsoft.Storage/storageAccounts/read', rg)).toBe(false);
    expect(
      denyApplies(
        { ...d, doNotApplyToChildScopes: true },
        'p1',
        'Microsoft.Storage/storageAccounts/write',
        `${rg}/providers/Microsoft.Storage/storageAccounts/a`,
      ),
    ).toBe(false);
    expect(
      denyApplies(d, 'p1', 'Microsoft.Storage/storageAccounts/write', '/subscriptions/s/resourceGroups/other'),
    ).toBe(false);
  });
});
