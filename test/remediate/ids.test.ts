import {
  claimKeyForAssignRole,
  createNameBasedUuid,
  createRevisionSuffix,
  createRoleAssignmentName,
} from '../../src/remediate/ids';
import { ROLE_IDS } from '../../src/model';

const scope = '/subscriptions/S1/resourceGroups/ACR-rg/providers/Microsoft.ContainerRegistry/registries/Contoso';

describe('deterministic ids', () => {
  it('matches the RFC 4122 v5 test vector (DNS namespace, "www.example.com")', () => {
    // Known value from the uuid package / Python uuid.uuid5(NAMESPACE_DNS, 'www.example.com')
    expect(createNameBasedUuid('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('role assignment name: same for any casing / id form, with version 5 and RFC variant bits', () => {
    const a = createRoleAssignmentName(scope, ROLE_IDS.acrPull, 'AAAA-1');
    const b = createRoleAssignmentName(
      scope.toLowerCase() + '/',
      `/subscriptions/s1/providers/Microsoft.Authorization/roleDefinitions/${ROLE_IDS.acrPull.toUpperCase()}`,
      'aaaa-1',
    );
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(createRoleAssignmentName(scope, ROLE_IDS.repositoryReader, 'aaaa-1')).not.toBe(a);
    expect(createRoleAssignmentName(scope, ROLE_IDS.acrPull, 'aaaa-2')).not.toBe(a);
    expect(createRoleAssignmentName(`${scope}2`, ROLE_IDS.acrPull, 'aaaa-1')).not.toBe(a);
  });

  it('revision suffix: deterministic per app + failed revision, valid for Container Apps', () => {
    const s = createRevisionSuffix(
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/web',
      'web--v1',
    );
    expect(s).toBe(
      createRevisionSuffix('/SUBSCRIPTIONS/s/resourcegroups/rg/providers/Microsoft.App/containerApps/WEB', 'WEB--V1'),
    );
    expect(s).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    expect(
      createRevisionSuffix('/subscriptions/s/resourceGroups/rg/providers/Microsoft.App/containerApps/web', 'web--v2'),
    ).not.toBe(s);
  });

  it('claim keys ignore casing', () => {
    expect(claimKeyForAssignRole(scope, ROLE_IDS.acrPull, 'AB')).toBe(
      claimKeyForAssignRole(scope.toUpperCase(), ROLE_IDS.acrPull, 'ab'),
    );
  });
});
