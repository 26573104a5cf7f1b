/**
 * Issue 15 figures: ARM requests per AuthorizationFailed cause, by each door, through the whole pipeline (dry-run,
 * in-memory store) against the ARM emulator — counted from its request log.
 *   unrelatedTypeRequests   an Event Grid failure of another resource type whose Activity Log entry says it was not an
 *                           authorization or policy refusal (a VM quota error): target <= 1 (one Activity Log read)
 *   perKind[]               for each authz kind: requests by the Event Grid door and by the alert door, cold (fresh
 *                           caches) and warm (a second, different failure of the same shape in the same process)
 * Run: `npx tsx bench/authz.bench.ts`.
 */
import type { World } from '../emulator/api';
import { startHarness } from '../src/local/harness';
import type { Outcome } from '../src/model';
import {
  activityLogEntry,
  alertEvent,
  authorizationFailedMessage,
  CALLER,
  CI,
  DELEGATION_CONDITION,
  DEPLOYER,
  eventGridEvent,
  MG,
  RG,
  ROLE,
  roleAssignment,
  SUB,
  VM,
  world,
  type Failure,
} from '../test/helpers/authz-world';

export interface AuthzKindFigure {
  kind: string;
  eventGridCold: number;
  eventGridWarm: number;
  alertCold: number;
  alertWarm: number;
}

export interface AuthzBenchResult {
  unrelatedTypeRequests: number;
  ignoredRequests: number;
  perKind: AuthzKindFigure[];
}

const cid = (n: number, k: number): string => `b${String(n).padStart(3, '0')}${k}0000-0000-4000-8000-000000000000`;

const vmWrite = (correlationId: string, action = 'Microsoft.Compute/virtualMachines/write'): Failure => ({
  correlationId,
  callerOid: CALLER,
  operationName: action,
  resourceId: VM,
  scope: VM,
  statusMessage: authorizationFailedMessage(CALLER, action, VM),
});

const raWrite = (correlationId: string, role: string): Failure => {
  const id = `${RG}/providers/Microsoft.Authorization/roleAssignments/${correlationId}`;
  return {
    correlationId,
    callerOid: CI,
    operationName: 'Microsoft.Authorization/roleAssignments/write',
    resourceId: id,
    scope: id,
    statusMessage: authorizationFailedMessage(CI, 'Microsoft.Authorization/roleAssignments/write', id),
    requestBody: JSON.stringify({
      Properties: {
        RoleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
      },
    }),
  };
};

const POLICY_DEF = `/subscriptions/${SUB}/providers/Microsoft.Authorization/policyDefinitions/no-public-vm`;
const POLICY_ASSIGNMENT = `${MG('mg-prod')}/providers/Microsoft.Authorization/policyAssignments/no-public-vm`;

/** ARM's RequestDisallowedByPolicy body (the shape the emulator answers, see test/diagnose/authz-doors.test.ts). */
function policyRefusal(): string {
  const ids = JSON.stringify([
    {
      policyAssignment: { name: 'No public VMs', id: POLICY_ASSIGNMENT },
      policyDefinition: { name: 'No public VMs', id: POLICY_DEF },
    },
  ]);
  return JSON.stringify({
    error: {
      code: 'RequestDisallowedByPolicy',
      target: 'vm1',
      message: `Resource 'vm1' was disallowed by policy. Policy identifiers: '${ids}'.`,
      additionalInfo: [
        {
          type: 'PolicyViolation',
          info: {
            policyDefinitionId: POLICY_DEF,
            policyDefinitionEffect: 'deny',
            policyAssignmentId: POLICY_ASSIGNMENT,
            policyAssignmentScope: MG('mg-prod'),
            policyExemptionIds: [],
          },
        },
      ],
    },
  });
}

interface Case {
  kind: string;
  resources: World['resources'];
  /** Failure n (n = 1, 2: two different failures of the same shape). */
  failure(n: number, door: number): Failure;
}

const CASES: Case[] = [
  { kind: 'arm-authz/missing-role', resources: [], failure: (n, d) => vmWrite(cid(n, d)) },
  {
    kind: 'arm-authz/wrong-scope',
    resources: [roleAssignment(`${RG}-staging`, 'b0000001-0000-4000-8000-000000000002', CALLER, ROLE.vmContributor)],
    failure: (n, d) => vmWrite(cid(n, d)),
  },
  {
    kind: 'arm-authz/role-propagating',
    resources: [
      roleAssignment(MG('mg-prod'), 'b0000002-0000-4000-8000-000000000001', CALLER, ROLE.vmContributor, {
        createdOn: '2026-11-21T09:58:00.000Z',
      }),
    ],
    failure: (n, d) => vmWrite(cid(n, d)),
  },
  {
    kind: 'arm-authz/wrong-principal',
    resources: [roleAssignment(RG, 'b0000003-0000-4000-8000-000000000001', DEPLOYER, ROLE.vmContributor)],
    failure: (n, d) => vmWrite(cid(n, d)),
  },
  {
    kind: 'arm-authz/condition-not-met',
    resources: [
      roleAssignment(MG('mg-prod'), 'b0000004-0000-4000-8000-000000000001', CI, ROLE.rbacAdmin, {
        condition: DELEGATION_CONDITION,
      }),
    ],
    failure: (n, d) => raWrite(cid(n, d), ROLE.contributor),
  },
  {
    kind: 'arm-authz/policy-denied',
    resources: [
      {
        id: POLICY_DEF,
        type: 'Microsoft.Authorization/policyDefinitions',
        name: 'no-public-vm',
        properties: {
          displayName: 'No public VMs',
          policyType: 'Custom',
          policyRule: { if: {}, then: { effect: 'deny' } },
        },
      },
      {
        id: POLICY_ASSIGNMENT,
        type: 'Microsoft.Authorization/policyAssignments',
        name: 'no-public-vm',
        properties: { displayName: 'No public VMs', scope: MG('mg-prod'), policyDefinitionId: POLICY_DEF },
      },
    ],
    failure: (n, d) => ({ ...vmWrite(cid(n, d)), statusMessage: policyRefusal() }),
  },
];

async function countRequests(w: World, deliveries: unknown[][]): Promise<number[]> {
  const h = await startHarness({ world: w, azurite: false });
  try {
    const counts: number[] = [];
    for (const batch of deliveries) {
      const before = h.emulator.requestLog.length;
      let outcomes: Outcome[] = [];
      for (const payload of batch) outcomes = await h.deliverWithRetries(payload);
      // The second failure of the same shape is the same story (same caller, action, scope and hour): diagnosed in full
      // (every read happens before the story claim), then `duplicate`.
      const status = outcomes[0]?.status;
      if (status !== 'diagnosed' && status !== 'duplicate')
        throw new Error(`bench: expected a diagnosis, got ${status}`);
      counts.push(h.emulator.requestLog.length - before);
    }
    return counts;
  } finally {
    await h.stop();
  }
}

export async function runAuthzBench(): Promise<AuthzBenchResult> {
  const perKind: AuthzKindFigure[] = [];
  for (const c of CASES) {
    const f = [1, 2, 3, 4].map((n) => c.failure(n, n));
    const w = world(
      c.resources,
      f.map((x) => activityLogEntry(x)),
    );
    const [eventGridCold = NaN, eventGridWarm = NaN] = await countRequests(w, [
      [eventGridEvent(f[0] as Failure, 'bench-eg-1')],
      [eventGridEvent(f[1] as Failure, 'bench-eg-2')],
    ]);
    const [alertCold = NaN, alertWarm = NaN] = await countRequests(w, [
      [alertEvent(f[2] as Failure, 'b0b0b0b0-0000-4000-8000-000000000003')],
      [alertEvent(f[3] as Failure, 'b0b0b0b0-0000-4000-8000-000000000004')],
    ]);
    perKind.push({ kind: c.kind, eventGridCold, eventGridWarm, alertCold, alertWarm });
  }
  const quota: Failure = {
    ...vmWrite(cid(9, 9)),
    statusCode: 'Conflict',
    statusMessage: JSON.stringify({
      error: { code: 'OperationNotAllowed', message: 'exceeding approved Cores quota' },
    }),
  };
  const h = await startHarness({ world: world([], [activityLogEntry(quota)]), azurite: false });
  let unrelatedTypeRequests = NaN;
  let ignoredRequests = NaN;
  try {
    const [o] = await h.deliverWithRetries(eventGridEvent(quota, 'bench-quota'));
    if (o?.status !== 'diagnosed' || o.diagnosis.kind !== 'unrelated') throw new Error('bench: expected unrelated');
    unrelatedTypeRequests = h.emulator.requestLog.length;
    const success = eventGridEvent(quota, 'bench-success', 'Microsoft.Resources.ResourceWriteSuccess');
    await h.deliverWithRetries(success);
    ignoredRequests = h.emulator.requestLog.length - unrelatedTypeRequests;
  } finally {
    await h.stop();
  }
  return { unrelatedTypeRequests, ignoredRequests, perKind };
}

if (require.main === module) {
  runAuthzBench()
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
}
