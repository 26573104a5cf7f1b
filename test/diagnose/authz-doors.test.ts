/**
 * Issue 15, end to end: every AuthorizationFailed cause by BOTH doors — the Event Grid door (a failure of any resource
 * type, its reason read from the Activity Log by correlation id) and the Activity Log alert door — through the whole
 * pipeline (harness: real SDK adapter → ARM emulator over HTTPS). The same failure by both doors is one story; the
 * Activity Log's lag is retried on Event Grid's schedule; an entry that never appears ends `unknown` after the bound.
 */
import type { World } from '../../emulator/api';
import { startHarness, type Harness } from '../../src/local/harness';
import type { DiagnosedOutcome, DiagnosisKind, Outcome } from '../../src/model';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator';
import {
  activityLogEntry,
  alertEvent,
  APP,
  authorizationFailedMessage,
  CALLER,
  CALLER_CLIENT,
  CI,
  DELEGATION_CONDITION,
  DEPLOYER,
  DEPLOYER_CLIENT,
  eventGridEvent,
  MG,
  PRINCIPAL_CONDITION,
  RG,
  ROLE,
  roleAssignment,
  SUB,
  VM,
  world,
  type Failure,
} from '../helpers/authz-world';

const vmWrite = (correlationId: string): Failure => ({
  correlationId,
  callerOid: CALLER,
  operationName: 'Microsoft.Compute/virtualMachines/write',
  resourceId: VM,
  scope: VM,
  statusMessage: authorizationFailedMessage(CALLER, 'Microsoft.Compute/virtualMachines/write', VM),
});

const NEW_ASSIGNMENT = `${RG}/providers/Microsoft.Authorization/roleAssignments/0c0c0c0c-1d1d-4e2e-8f3f-404040404040`;
const delegatedWrite = (correlationId: string): Failure => ({
  correlationId,
  callerOid: CI,
  operationName: 'Microsoft.Authorization/roleAssignments/write',
  resourceId: NEW_ASSIGNMENT,
  scope: NEW_ASSIGNMENT,
  statusMessage: authorizationFailedMessage(CI, 'Microsoft.Authorization/roleAssignments/write', NEW_ASSIGNMENT),
  requestBody: JSON.stringify({
    Id: '0c0c0c0c-1d1d-4e2e-8f3f-404040404040',
    Properties: {
      PrincipalId: DEPLOYER,
      PrincipalType: 'ServicePrincipal',
      RoleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ROLE.contributor}`,
      Scope: RG,
    },
  }),
});

interface Scenario {
  name: string;
  world: World;
  failure: Failure;
  kind: DiagnosisKind;
  check(o: DiagnosedOutcome): void;
}

const text = (o: DiagnosedOutcome): string =>
  [o.diagnosis.summary, ...o.diagnosis.evidence, ...(o.diagnosis.manualSteps ?? [])].join('\n');

const scenarios: Scenario[] = [
  {
    name: 'wrong principal: the code uses ops-reader, ops-deployer of the same app holds the role',
    world: world(
      [roleAssignment(RG, 'a1a1a1a1-0000-4000-8000-000000000001', DEPLOYER, ROLE.vmContributor)],
      [activityLogEntry(vmWrite('c1000000-0000-4000-8000-000000000001'))],
    ),
    failure: vmWrite('c1000000-0000-4000-8000-000000000001'),
    kind: 'arm-authz/wrong-principal',
    check(o) {
      expect(o.diagnosis.details.otherPrincipal).toMatchObject({
        principalId: DEPLOYER,
        kind: 'user-assigned',
        clientId: DEPLOYER_CLIENT,
        roleName: 'Virtual Machine Contributor',
        workloadId: APP,
      });
      expect(text(o)).toContain(CALLER);
      expect(text(o)).toContain('ops-deployer');
      expect(text(o)).toContain(`AZURE_CLIENT_ID=${DEPLOYER_CLIENT}`);
      expect(text(o)).not.toContain(`AZURE_CLIENT_ID=${CALLER_CLIENT}`);
      expect(o.actions).toEqual([]);
    },
  },
  {
    name: 'condition not met: delegated RBAC admin (at an ancestor management group) may only assign the pull roles',
    world: world(
      [
        roleAssignment(MG('mg-prod'), 'a2a2a2a2-0000-4000-8000-000000000002', CI, ROLE.rbacAdmin, {
          condition: DELEGATION_CONDITION,
        }),
      ],
      [activityLogEntry(delegatedWrite('c2000000-0000-4000-8000-000000000002'))],
    ),
    failure: delegatedWrite('c2000000-0000-4000-8000-000000000002'),
    kind: 'arm-authz/condition-not-met',
    check(o) {
      expect(o.diagnosis.details.condition).toMatchObject({
        scope: MG('mg-prod'),
        roleName: 'Role Based Access Control Administrator',
        expression: DELEGATION_CONDITION,
        result: 'false',
      });
      expect(o.diagnosis.details.condition?.reason).toContain(ROLE.contributor);
      expect(text(o)).toContain('mg-prod');
      expect(text(o)).toContain('management groups API');
      expect(o.actions).toEqual([]);
    },
  },
  {
    name: 'condition too complex: a principal attribute the remediator does not read → unknown, naming the condition',
    world: world(
      [
        roleAssignment(`/subscriptions/${SUB}`, 'a3a3a3a3-0000-4000-8000-000000000003', CI, ROLE.rbacAdmin, {
          condition: PRINCIPAL_CONDITION,
        }),
      ],
      [activityLogEntry(delegatedWrite('c3000000-0000-4000-8000-000000000003'))],
    ),
    failure: delegatedWrite('c3000000-0000-4000-8000-000000000003'),
    kind: 'unknown',
    check(o) {
      expect(o.diagnosis.details.condition).toMatchObject({ result: 'unknown', expression: PRINCIPAL_CONDITION });
      expect(o.diagnosis.summary).toContain('cannot evaluate');
      expect(text(o)).toContain('@Principal[Microsoft.Directory/CustomSecurityAttributes/Id:Engineering_Team]');
    },
  },
  {
    name: 'sibling management group: a role at mg-dev does not cover a subscription under mg-prod',
    world: world(
      [roleAssignment(MG('mg-dev'), 'a4a4a4a4-0000-4000-8000-000000000004', CALLER, ROLE.vmContributor)],
      [activityLogEntry(vmWrite('c4000000-0000-4000-8000-000000000004'))],
    ),
    failure: vmWrite('c4000000-0000-4000-8000-000000000004'),
    kind: 'arm-authz/missing-role',
    check(o) {
      expect(o.diagnosis.details.recommendedRole?.roleName).toBe('Virtual Machine Contributor');
      expect(text(o)).toContain('mg-prod → contoso-root');
      expect(o.diagnosis.details.rolesFound ?? []).toEqual([]);
      expect(o.actions).toMatchObject([{ type: 'assign-role', status: 'manual', scope: VM, principalId: CALLER }]);
    },
  },
  {
    name: 'ancestor management group: a role at mg-prod granted a minute ago covers it and is still propagating',
    world: world(
      [
        roleAssignment(MG('mg-prod'), 'a5a5a5a5-0000-4000-8000-000000000005', CALLER, ROLE.vmContributor, {
          createdOn: '2026-11-21T09:58:00.000Z',
        }),
      ],
      [activityLogEntry(vmWrite('c5000000-0000-4000-8000-000000000005'))],
    ),
    failure: vmWrite('c5000000-0000-4000-8000-000000000005'),
    kind: 'arm-authz/role-propagating',
    check(o) {
      expect(o.diagnosis.details.effectiveAt).toBe('2026-11-21T10:08:00.000Z');
      expect(text(o)).toContain(MG('mg-prod'));
    },
  },
];

async function harnessFor(w: World, emulator?: TestEmulator): Promise<Harness> {
  return startHarness({ world: w, azurite: false, ...(emulator ? { emulator } : {}) });
}

function diagnosed(o: Outcome | undefined): DiagnosedOutcome {
  expect(o?.status).toBe('diagnosed');
  return o as DiagnosedOutcome;
}

describe.each(scenarios)('$name', (s) => {
  it.each([
    ['Event Grid first, then the alert', 'event-grid'],
    ['the alert first, then Event Grid', 'alert'],
  ] as const)('%s: the right kind and evidence, and one story', async (_label, first) => {
    const h = await harnessFor(s.world);
    try {
      const eg = (): Promise<Outcome[]> =>
        h.deliverWithRetries(eventGridEvent(s.failure, `${s.failure.correlationId}-eg`));
      const alert = (): Promise<Outcome[]> =>
        h.deliverWithRetries(
          alertEvent(s.failure, `${s.failure.correlationId.slice(0, 8)}-aaaa-4bbb-8ccc-000000000000`),
        );
      const [a, b] = first === 'event-grid' ? [await eg(), await alert()] : [await alert(), await eg()];
      const o = diagnosed(a[0]);
      expect(o.diagnosis.kind).toBe(s.kind);
      s.check(o);
      expect(b[0]?.status).toBe('duplicate');
      expect(b[0]?.reason).toContain(o.eventId);
      // Diagnosis and duplicates never write to ARM.
      expect(h.emulator.requestLog.filter((r) => r.write)).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});

describe('Azure Policy: the emulator refuses a write with RequestDisallowedByPolicy, and both doors name the policy', () => {
  const REGISTRY = `${RG}/providers/Microsoft.ContainerRegistry/registries/opsacr`;
  const POLICY_DEF = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/acr-no-admin-user`;
  const POLICY_ASSIGNMENT = `${MG('mg-prod')}/providers/Microsoft.Authorization/policyAssignments/acr-no-admin`;
  const policyWorld = world(
    [
      {
        id: POLICY_DEF,
        type: 'Microsoft.Authorization/policyDefinitions',
        name: 'acr-no-admin-user',
        properties: {
          displayName: 'Container registries should have the admin user disabled',
          policyType: 'Custom',
          mode: 'Indexed',
          parameters: {
            effect: { type: 'String', allowedValues: ['Audit', 'Deny', 'Disabled'], defaultValue: 'Audit' },
          },
          policyRule: {
            if: {
              allOf: [
                { field: 'type', equals: 'Microsoft.ContainerRegistry/registries' },
                { field: 'Microsoft.ContainerRegistry/registries/adminUserEnabled', equals: 'true' },
              ],
            },
            then: { effect: "[parameters('effect')]" },
          },
        },
      },
      {
        id: POLICY_ASSIGNMENT,
        type: 'Microsoft.Authorization/policyAssignments',
        name: 'acr-no-admin',
        properties: {
          displayName: 'No ACR admin user in production',
          scope: MG('mg-prod'),
          policyDefinitionId: POLICY_DEF,
          enforcementMode: 'Default',
          notScopes: [],
          parameters: { effect: { value: 'Deny' } },
        },
      },
    ],
    [],
  );

  it('refuses the write in ARM’s shape, logs it, and each door diagnoses policy-denied as one story', async () => {
    const emu = await startTestEmulator(policyWorld);
    const h = await harnessFor(policyWorld, emu);
    try {
      const refused = await emu.registries.registries
        .beginCreateAndWait('ops-rg', 'opsacr', {
          location: 'westeurope',
          sku: { name: 'Basic' },
          adminUserEnabled: true,
        })
        .then(
          () => undefined,
          (err: unknown) => err as { statusCode?: number; code?: string; details?: unknown },
        );
      expect(refused).toMatchObject({ statusCode: 403, code: 'RequestDisallowedByPolicy' });
      const entry = emu.snapshot().activityLog?.at(-1) as Record<string, unknown>;
      const props = entry['properties'] as { statusCode: string; statusMessage: string };
      expect(props.statusCode).toBe('Forbidden');
      const body = JSON.parse(props.statusMessage) as {
        error: {
          additionalInfo: Array<{ type: string; info: Record<string, unknown> }>;
          message: string;
          target: string;
        };
      };
      expect(body.error.target).toBe('opsacr');
      expect(body.error.message).toContain("Resource 'opsacr' was disallowed by policy. Policy identifiers:");
      expect(body.error.additionalInfo[0]).toMatchObject({
        type: 'PolicyViolation',
        info: { policyAssignmentId: POLICY_ASSIGNMENT, policyDefinitionId: POLICY_DEF, policyDefinitionEffect: 'deny' },
      });
      // The refused request, as both doors report it.
      const failure: Failure = {
        correlationId: entry['correlationId'] as string,
        callerOid: entry['caller'] as string,
        operationName: 'Microsoft.ContainerRegistry/registries/write',
        resourceId: REGISTRY,
        scope: REGISTRY,
        statusMessage: props.statusMessage,
        failedAt: entry['eventTimestamp'] as string,
      };
      const [viaGrid] = await h.deliverWithRetries(eventGridEvent(failure, 'policy-eg'));
      const o = diagnosed(viaGrid);
      expect(o.diagnosis.kind).toBe('arm-authz/policy-denied');
      expect(o.diagnosis.details.policy).toMatchObject({
        assignmentId: POLICY_ASSIGNMENT,
        assignmentName: 'No ACR admin user in production',
        definitionId: POLICY_DEF,
        definitionName: 'Container registries should have the admin user disabled',
        effect: 'deny',
        read: true,
      });
      expect(text(o)).toContain('az policy exemption create');
      expect(text(o)).toContain(`--policy-assignment "${POLICY_ASSIGNMENT}"`);
      expect(o.actions).toEqual([]);
      const [viaAlert] = await h.deliverWithRetries(alertEvent(failure, 'b0b0b0b0-aaaa-4bbb-8ccc-000000000000'));
      expect(viaAlert?.status).toBe('duplicate');
      // And the alert door alone reaches the same diagnosis.
      const h2 = await harnessFor(policyWorld, emu);
      try {
        const [alone] = await h2.deliverWithRetries(alertEvent(failure, 'b1b1b1b1-aaaa-4bbb-8ccc-000000000000'));
        expect(diagnosed(alone).diagnosis.details.policy).toEqual(o.diagnosis.details.policy);
      } finally {
        await h2.stop();
      }
    } finally {
      await h.stop();
      await emu.stop();
    }
  });
});

describe('Event Grid door, any resource type', () => {
  it('a failure that was not about authorization is unrelated after exactly one Activity Log read', async () => {
    const quota: Failure = {
      ...vmWrite('c6000000-0000-4000-8000-000000000006'),
      statusCode: 'Conflict',
      statusMessage: JSON.stringify({
        error: {
          code: 'OperationNotAllowed',
          message:
            'Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota.',
        },
      }),
    };
    const h = await harnessFor(world([], [activityLogEntry(quota)]));
    try {
      const [o] = await h.deliverWithRetries(eventGridEvent(quota, 'quota-eg'));
      expect(diagnosed(o).diagnosis.kind).toBe('unrelated');
      expect(h.emulator.requestLog.map((r) => r.path)).toEqual([
        `/subscriptions/${SUB}/providers/Microsoft.Insights/eventtypes/management/values`,
      ]);
    } finally {
      await h.stop();
    }
  });

  it('a delete failure is looked at too (ResourceDeleteFailure)', async () => {
    const del: Failure = {
      ...vmWrite('c7000000-0000-4000-8000-000000000007'),
      operationName: 'Microsoft.Compute/virtualMachines/delete',
      statusMessage: authorizationFailedMessage(CALLER, 'Microsoft.Compute/virtualMachines/delete', VM),
    };
    const h = await harnessFor(world([], [activityLogEntry(del)]));
    try {
      const [o] = await h.deliverWithRetries(
        eventGridEvent(del, 'delete-eg', 'Microsoft.Resources.ResourceDeleteFailure'),
      );
      expect(diagnosed(o).diagnosis.kind).toBe('arm-authz/missing-role');
      expect(diagnosed(o).diagnosis.details.deniedAction).toBe('Microsoft.Compute/virtualMachines/delete');
    } finally {
      await h.stop();
    }
  });
});

describe('Activity Log lag', () => {
  it('an event that arrives before its log entry is retried on Event Grid’s schedule, then diagnosed', async () => {
    const f = vmWrite('c8000000-0000-4000-8000-000000000008');
    // The entry is ingested 7 minutes after the request (the world's clock starts one minute after it).
    const w = world(
      [roleAssignment(RG, 'a8a8a8a8-0000-4000-8000-000000000008', DEPLOYER, ROLE.vmContributor)],
      [activityLogEntry(f)],
      {
        activityLogDelaySeconds: 7 * 60,
      },
    );
    const h = await harnessFor(w);
    try {
      const retries: number[] = [];
      const [o] = await h.deliverWithRetries(eventGridEvent(f, 'lag-eg'), (r) => {
        expect(r.error).toMatchObject({ code: 'activity-log-pending', transient: true });
        retries.push(r.delayMs);
      });
      // 10 s, 30 s, 1 min, 5 min: the fifth delivery (8 min 40 s after the request) finds the entry.
      expect(retries).toEqual([10_000, 30_000, 60_000, 300_000]);
      expect(diagnosed(o).diagnosis.kind).toBe('arm-authz/wrong-principal');
      // Every attempt cost exactly one Activity Log read until the entry was there; nothing was claimed meanwhile.
      const logReads = h.emulator.requestLog.filter((r) => r.path.endsWith('/eventtypes/management/values'));
      expect(logReads).toHaveLength(5);
    } finally {
      await h.stop();
    }
  });

  it('an entry that never appears ends unknown, with that reason, once the event is older than the bound', async () => {
    const f = vmWrite('c9000000-0000-4000-8000-000000000009');
    const h = await harnessFor(world([], []));
    try {
      const retries: number[] = [];
      const [o] = await h.deliverWithRetries(eventGridEvent(f, 'never-eg'), (r) => retries.push(r.delayMs));
      // 1 min old at first; retried after 10 s, 30 s, 1 min, 5 min, 10 min: 17 min 40 s old, past the 15-minute bound.
      expect(retries).toEqual([10_000, 30_000, 60_000, 300_000, 600_000]);
      const d = diagnosed(o).diagnosis;
      expect(d.kind).toBe('unknown');
      expect(d.summary).toContain('No Activity Log entry for correlation id c9000000-0000-4000-8000-000000000009');
      expect(d.summary).toContain('15 minutes');
    } finally {
      await h.stop();
    }
  });
});
