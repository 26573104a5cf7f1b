/**
 * Pure pieces of issue 15: ABAC condition evaluation (three-valued, never a guess), the RequestDisallowedByPolicy
 * parser over ARM's real error shape, and management groups counted only when they are ancestors.
 */
import { evaluateCondition, readRequestedRoleDefinitionId } from '../../src/diagnose/conditions';
import type { ArmAuthzFacts } from '../../src/diagnose/facts-model';
import { parsePolicyRefusal } from '../../src/diagnose/policy-messages';
import { classifyWithRule } from '../../src/diagnose/rules';
import { DELEGATION_CONDITION, MG, PRINCIPAL_CONDITION, ROLE, SUB, VM } from '../helpers/authz-world';

const RA_WRITE = 'Microsoft.Authorization/roleAssignments/write';
const RA_SCOPE = `/subscriptions/${SUB}/resourceGroups/ops-rg/providers/Microsoft.Authorization/roleAssignments/x`;

describe('evaluateCondition', () => {
  it.each([
    ['a pull role', ROLE.acrPull, true],
    [
      'Repository Reader (full id)',
      `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.repositoryReader}`,
      true,
    ],
    ['Contributor', ROLE.contributor, false],
  ] as const)('the delegation condition of DOMAIN.md, assigning %s → %s', (_n, role, want) => {
    const v = evaluateCondition(DELEGATION_CONDITION, {
      action: RA_WRITE,
      scope: RA_SCOPE,
      requestedRoleDefinitionId: role,
    });
    expect(v.result).toBe(want);
    expect(v.reason).toContain('@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId]');
  });

  it('does not apply to other actions (ActionMatches false → the implication holds)', () => {
    expect(
      evaluateCondition(DELEGATION_CONDITION, { action: 'Microsoft.Compute/virtualMachines/write', scope: VM }),
    ).toMatchObject({
      result: true,
    });
  });

  it('is unknown — and says why — when the requested role or the deleted assignment is not known', () => {
    expect(evaluateCondition(DELEGATION_CONDITION, { action: RA_WRITE, scope: RA_SCOPE })).toMatchObject({
      result: 'unknown',
      reason: expect.stringContaining('no request body'),
    });
    expect(
      evaluateCondition(DELEGATION_CONDITION, {
        action: 'Microsoft.Authorization/roleAssignments/delete',
        scope: RA_SCOPE,
      }),
    ).toMatchObject({
      result: 'unknown',
      reason: expect.stringContaining('@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId]'),
    });
  });

  it('reads a resource name from the denied scope (StringEquals / StringLike)', () => {
    const container = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/logs`;
    const attr = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]';
    const req = { action: 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read', scope: container };
    expect(evaluateCondition(`${attr} StringEquals 'logs'`, req).result).toBe(true);
    expect(evaluateCondition(`${attr} StringEquals 'audit'`, req).result).toBe(false);
    expect(evaluateCondition(`${attr} StringLike 'lo*'`, req).result).toBe(true);
    expect(evaluateCondition(`(${attr} StringNotEquals 'logs') OR (${attr} StringStartsWith 'l')`, req).result).toBe(
      true,
    );
  });

  it('names what it cannot evaluate instead of guessing: principal attributes, tags, unparsable text', () => {
    const req = { action: RA_WRITE, scope: RA_SCOPE, requestedRoleDefinitionId: ROLE.contributor };
    expect(evaluateCondition(PRINCIPAL_CONDITION, req)).toMatchObject({
      result: 'unknown',
      reason: expect.stringContaining('@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Team]'),
    });
    expect(
      evaluateCondition(
        "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs/tags:Project<$key_case_sensitive$>] StringEquals 'x'",
        req,
      ).result,
    ).toBe('unknown');
    expect(evaluateCondition('((ActionMatches{', req)).toMatchObject({
      result: 'unknown',
      reason: expect.stringContaining('too complex'),
    });
  });

  it('short-circuits like ARM: a false conjunct decides even next to an unknown one', () => {
    const req = { action: RA_WRITE, scope: RA_SCOPE };
    expect(evaluateCondition(`(ActionMatches{'Microsoft.Compute/*'}) AND (${PRINCIPAL_CONDITION})`, req).result).toBe(
      false,
    );
  });

  it('reads the requested role from an Activity Log request body', () => {
    const body = JSON.stringify({
      Properties: {
        RoleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.contributor.toUpperCase()}`,
      },
    });
    expect(readRequestedRoleDefinitionId(body)).toBe(ROLE.contributor);
    expect(readRequestedRoleDefinitionId(undefined)).toBeUndefined();
  });
});

describe('parsePolicyRefusal', () => {
  const assignment = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyAssignments/0aedc612157c4e8cbaf9605e`;
  const definition = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/73df4292-f7d6-4cfc-af96-99de6835958a`;
  const identifiers = JSON.stringify([
    {
      policyAssignment: { name: 'Deny shared keys', id: assignment },
      policyDefinition: { name: 'Storage shared key', id: definition, version: '1.0.0' },
    },
  ]);
  const error = {
    error: {
      code: 'RequestDisallowedByPolicy',
      target: 'opsdata',
      message: `Resource 'opsdata' was disallowed by policy. Policy identifiers: '${identifiers}'.`,
      additionalInfo: [
        {
          type: 'PolicyViolation',
          info: {
            policyDefinitionId: definition,
            policyDefinitionName: '73df4292-f7d6-4cfc-af96-99de6835958a',
            policyDefinitionDisplayName: 'Storage shared key',
            policyDefinitionEffect: 'deny',
            policyAssignmentId: assignment,
            policyAssignmentName: '0aedc612157c4e8cbaf9605e',
            policyAssignmentDisplayName: 'Deny shared keys',
            policyAssignmentScope: `/subscriptions/${SUB}`,
            policyAssignmentParameters: {},
            policyExemptionIds: [],
          },
        },
      ],
    },
  };

  it('reads additionalInfo[].info (the Activity Log statusMessage is a JSON string)', () => {
    const r = parsePolicyRefusal(JSON.stringify(error));
    expect(r).toMatchObject({ code: 'RequestDisallowedByPolicy', target: 'opsdata' });
    expect(r?.violations).toEqual([
      expect.objectContaining({
        assignmentId: assignment,
        definitionId: definition,
        effect: 'deny',
        assignmentScope: `/subscriptions/${SUB}`,
      }),
    ]);
  });

  it('falls back to the message’s policy identifiers, and ignores other errors', () => {
    const noInfo = { error: { ...error.error, additionalInfo: [] } };
    expect(parsePolicyRefusal(JSON.stringify(noInfo))?.violations).toEqual([
      expect.objectContaining({
        assignmentId: assignment,
        definitionId: definition,
        assignmentDisplayName: 'Deny shared keys',
      }),
    ]);
    expect(parsePolicyRefusal(`RequestDisallowedByPolicy: ${error.error.message}`)?.violations[0]?.assignmentId).toBe(
      assignment,
    );
    expect(parsePolicyRefusal('{"error":{"code":"AuthorizationFailed","message":"no"}}')).toBeUndefined();
  });
});

describe('management groups count only as ancestors', () => {
  const CALLER = '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d';
  const facts = (assignmentScope: string): ArmAuthzFacts => ({
    flavor: 'arm-authz',
    now: '2026-11-21T10:00:00.000Z',
    propagationWindowMs: 10 * 60_000,
    resourceId: VM,
    failure: {
      code: 'AuthorizationFailed',
      message: '…',
      callerObjectId: CALLER,
      action: 'Microsoft.Compute/virtualMachines/write',
      scope: VM,
    },
    messageSource: 'event',
    callerPrincipalId: CALLER,
    roleAssignments: [
      {
        id: `${assignmentScope}/providers/Microsoft.Authorization/roleAssignments/r1`,
        name: 'r1',
        scope: assignmentScope,
        roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.contributor}`,
        principalId: CALLER,
        createdOn: '2026-01-01T00:00:00.000Z',
      },
    ],
    roleDefinitions: {
      [ROLE.contributor]: {
        id: `/providers/Microsoft.Authorization/roleDefinitions/${ROLE.contributor}`,
        name: ROLE.contributor,
        roleName: 'Contributor',
        roleType: 'BuiltInRole',
        permissions: [{ actions: ['*'], notActions: [], dataActions: [], notDataActions: [] }],
        assignableScopes: ['/'],
      },
    },
    denyAssignments: [],
    builtInRoles: [],
    managementGroupIds: [MG('mg-prod'), MG('contoso-root')],
    managementGroupsSource: 'api',
  });

  it('a role at a sibling management group is at the wrong scope; at an ancestor it covers', () => {
    expect(classifyWithRule(facts(MG('mg-dev')))).toMatchObject({
      rule: 'wrong-scope',
      diagnosis: { kind: 'arm-authz/wrong-scope' },
    });
    expect(classifyWithRule(facts(MG('contoso-root'))).rule).toBe('unexplained');
  });
});
