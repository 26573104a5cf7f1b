import {
  isAtOrAbove,
  normalizeId,
  parseResourceId,
  registryScope,
  roleGuid,
  sameId,
  scopeLadder,
} from '../../src/azure/ids';

const SUB = '/subscriptions/0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
const APP = `${SUB}/resourceGroups/web-rg/providers/Microsoft.App/containerApps/web`;

describe('ARM ids', () => {
  it('compares case-insensitively, ignoring trailing slashes', () => {
    expect(sameId(APP, APP.toLowerCase().replace('resourcegroups', 'resourcegroups') + '/')).toBe(true);
    expect(sameId(APP, `${SUB}/resourcegroups/WEB-RG/providers/microsoft.app/containerapps/WEB`)).toBe(true);
    expect(sameId(APP, `${APP}2`)).toBe(false);
    expect(sameId(undefined, APP)).toBe(false);
    expect(normalizeId('subscriptions/X//resourceGroups/Y/')).toBe('/subscriptions/x/resourcegroups/y');
  });

  it('parses resources, child resources and extension resources', () => {
    expect(parseResourceId(APP)).toMatchObject({
      subscriptionId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      resourceGroup: 'web-rg',
      provider: 'Microsoft.App',
      type: 'Microsoft.App/containerApps',
      name: 'web',
      level: 'resource',
    });
    expect(parseResourceId(`${APP}/revisions/web--v7`)).toMatchObject({
      type: 'Microsoft.App/containerApps/revisions',
      name: 'web--v7',
      parent: APP,
    });
    const ra = parseResourceId(`${APP}/providers/Microsoft.Authorization/roleAssignments/abc`);
    expect(ra).toMatchObject({ type: 'Microsoft.Authorization/roleAssignments', name: 'abc', scope: APP, parent: APP });
    expect(parseResourceId(`${SUB}/resourcegroups/rg`)).toMatchObject({
      level: 'resource-group',
      resourceGroup: 'rg',
      parent: SUB,
    });
    expect(parseResourceId(SUB)).toMatchObject({ level: 'subscription', name: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9' });
    expect(parseResourceId('/providers/Microsoft.Management/managementGroups/corp')).toMatchObject({
      level: 'management-group',
      managementGroup: 'corp',
    });
  });

  it('walks the scope ladder from the resource up to management groups', () => {
    expect(scopeLadder(`${APP}/revisions/web--v7`, ['/providers/Microsoft.Management/managementGroups/corp'])).toEqual([
      `${APP}/revisions/web--v7`,
      APP,
      `${SUB}/resourceGroups/web-rg`,
      SUB,
      '/providers/Microsoft.Management/managementGroups/corp',
    ]);
  });

  it('knows which scopes cover an id (siblings and prefixes do not)', () => {
    expect(isAtOrAbove(`${SUB}/resourceGroups/WEB-RG`, APP)).toBe(true);
    expect(isAtOrAbove(SUB.toUpperCase(), APP)).toBe(true);
    expect(isAtOrAbove(APP, APP)).toBe(true);
    expect(isAtOrAbove(`${SUB}/resourceGroups/web`, APP)).toBe(false); // web vs web-rg: not a segment prefix
    expect(isAtOrAbove(`${SUB}/resourceGroups/other-rg`, APP)).toBe(false);
    expect(isAtOrAbove(APP, `${SUB}/resourceGroups/web-rg`)).toBe(false);
    expect(isAtOrAbove('/', APP)).toBe(true);
    const mg = '/providers/Microsoft.Management/managementGroups/corp';
    expect(isAtOrAbove(mg, APP)).toBe(false);
    expect(isAtOrAbove(mg, APP, [mg])).toBe(true);
  });

  it('extracts role GUIDs and registry scopes', () => {
    expect(
      roleGuid(`${SUB}/providers/Microsoft.Authorization/roleDefinitions/7F951DDA-4ED3-4680-A7CA-43FE172D538D`),
    ).toBe('7f951dda-4ed3-4680-a7ca-43fe172d538d');
    expect(roleGuid('7f951dda-4ed3-4680-a7ca-43fe172d538d')).toBe('7f951dda-4ed3-4680-a7ca-43fe172d538d');
    expect(registryScope({ id: `${SUB}/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/acr/` })).toBe(
      `${SUB}/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/acr`,
    );
  });
});
