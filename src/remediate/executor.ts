/**
 * The executor: planned actions → written fixes (or the reason they were not), each through `guardAndWrite`
 * (re-read facts → guardrails → claim → budget → write → audit). A redeploy that must wait (role propagation) is a
 * `HealTask` handed to the `HealScheduler`: no Function invocation waits for minutes.
 */
import { parseResourceId, roleGuid, subscriptionRoleDefinitionId } from '../azure/ids';
import type { Action, Diagnosis, FailureEvent, HealResult } from '../model';
import { describeRole } from './plan';
import { runHealTask } from './heal';
import type { HealTask } from './heal-task';
import { FIX_CLAIM_PARTITION, claimKeyForRedeploy, createRevisionSuffix, createRoleAssignmentName } from './ids';
import { guardAndWrite, recordAudit, type RemediateDeps, type WriteContext } from './write';

export type { RemediateDeps } from './write';

export interface ExecuteInput {
  event: FailureEvent;
  diagnosis: Diagnosis;
  actions: Action[];
}

/** How long to wait before redeploying, given what was just done. */
export function computeRedeployDelayMs(
  diagnosis: Diagnosis,
  done: readonly Action[],
  nowMs: number,
  propagationWindowMs: number,
): number {
  if (done.some((a) => a.type === 'assign-role' && a.status === 'applied')) return propagationWindowMs;
  if (diagnosis.kind === 'acr-pull/role-propagating' && diagnosis.details.effectiveAt) {
    return Math.max(0, Date.parse(diagnosis.details.effectiveAt) - nowMs);
  }
  return 0;
}

export async function executeActions(
  input: ExecuteInput,
  deps: RemediateDeps,
): Promise<{ actions: Action[]; heal?: HealResult }> {
  const { event, diagnosis } = input;
  const x = diagnosis.details;
  const ctx: WriteContext = {
    eventId: event.id,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    ...(x.appId ? { appId: x.appId } : {}),
  };
  const done: Action[] = [];
  let heal: HealResult | undefined;

  for (const action of input.actions) {
    if (action.status === 'manual') {
      done.push(action);
      await recordAudit(deps, ctx, 'action', action);
      continue;
    }
    switch (action.type) {
      case 'assign-role': {
        const { scope, principalId, roleDefinitionId: roleId } = action;
        const name = createRoleAssignmentName(scope, roleId, principalId);
        const sub = parseResourceId(scope).subscriptionId;
        const out = await guardAndWrite(action, ctx, deps, async () => {
          const r = await deps.arm.createRoleAssignment({
            scope,
            name,
            roleDefinitionId: sub
              ? subscriptionRoleDefinitionId(sub, roleId)
              : `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid(roleId)}`,
            principalId,
            principalType: 'ServicePrincipal',
            description: `acr-remediator: ${diagnosis.kind} (event ${event.id})`,
          });
          return {
            reason: r.created
              ? `assigned ${describeRole(roleId)} to ${principalId} at the registry (role assignment ${name})`
              : `${describeRole(roleId)} for ${principalId} at the registry already existed (RoleAssignmentExists): nothing to write`,
            facts: { assignmentName: name, created: r.created },
          };
        });
        done.push(out.action);
        break;
      }
      case 'enable-arm-token-auth': {
        const registryId = action.resourceId;
        const out = await guardAndWrite(action, ctx, deps, async () => {
          const current = await deps.arm.getRegistry(registryId);
          if (current?.armTokenAuth?.toLowerCase() === 'enabled')
            return { reason: 'authentication-as-arm was already enabled: nothing to write' };
          const r = await deps.arm.enableArmTokenAuth(registryId);
          return { reason: `enabled authentication-as-arm on registry ${r.name} (now ${r.armTokenAuth ?? 'unknown'})` };
        });
        done.push(out.action);
        break;
      }
      case 'redeploy-revision': {
        const appId = action.resourceId;
        const notFixed = done.filter(
          (a) => a.type !== 'redeploy-revision' && (a.status === 'blocked' || a.status === 'failed'),
        );
        if (notFixed.length > 0) {
          const out: Action = {
            ...action,
            status: 'blocked',
            reason: `not redeployed: the cause is not fixed (${notFixed.map((a) => `${a.type} ${a.status}`).join(', ')})`,
          };
          done.push(out);
          await recordAudit(deps, ctx, 'action', out);
          break;
        }
        const nowMs = deps.clock.now().getTime();
        const delayMs = computeRedeployDelayMs(diagnosis, done, nowMs, deps.config.propagationWindowMs);
        if (delayMs > 0 && deps.scheduler.durable === false) {
          // Promising a redeploy that nothing will run would be a lie: say what a person must do instead.
          const out: Action = {
            ...action,
            status: 'blocked',
            reason: `no storage queue is configured, so the redeploy cannot wait for the fix to take effect: start a new revision by hand after ${new Date(nowMs + delayMs).toISOString()}`,
          };
          done.push(out);
          await recordAudit(deps, ctx, 'action', out);
          break;
        }
        const claimKey = action.claimKey ?? claimKeyForRedeploy(appId, x.revisionName);
        const task: HealTask = {
          id: `heal:${claimKey}`,
          eventId: event.id,
          ...(event.correlationId ? { correlationId: event.correlationId } : {}),
          appId,
          ...(x.revisionName ? { failedRevisionName: x.revisionName } : {}),
          revisionSuffix: createRevisionSuffix(appId, x.revisionName),
          claimKey,
          failedAt: event.time,
          phase: 'redeploy',
          attempt: 0,
          diagnosis: { kind: diagnosis.kind, resourceId: diagnosis.resourceId, summary: diagnosis.summary },
        };
        // Guard + claim now (no budget unit: the write happens in the heal step, which re-guards and pays).
        const claimed = await guardAndWrite(
          { ...action, claimKey },
          { ...ctx, appId, consumeBudget: false },
          deps,
          async () =>
            delayMs > 0
              ? {
                  reason: `scheduled: a new revision (suffix ${task.revisionSuffix}) will be created in ${Math.round(delayMs / 1000)} s, once the role has taken effect; then its health is checked`,
                  state: 'scheduled',
                }
              : {
                  reason: `creating a new revision (suffix ${task.revisionSuffix})`,
                  state: 'scheduled',
                },
        );
        const { action: scheduled } = claimed;
        if (scheduled.status !== 'applied' || scheduled.reason?.startsWith('already')) {
          done.push(scheduled);
          break;
        }
        if (delayMs > 0) {
          await deps.scheduler.schedule(task, delayMs);
          done.push(scheduled);
          heal = { status: 'pending', detail: `redeploy scheduled in ${Math.round(delayMs / 1000)} s` };
          break;
        }
        const step = await runHealTask(task, deps);
        if (step.status === 'pending' && step.revisionName) {
          done.push({
            ...scheduled,
            reason: `created revision ${step.revisionName}; its health check is scheduled`,
          });
          heal = {
            status: 'pending',
            revisionName: step.revisionName,
            ...(step.detail ? { detail: step.detail } : {}),
          };
        } else {
          // Not written (e.g. the budget ran out in between): let a later delivery try again.
          await deps.store.release(FIX_CLAIM_PARTITION, claimKey).catch(() => undefined);
          done.push({ ...scheduled, status: 'blocked', reason: step.detail ?? 'redeploy not done' });
          heal = { status: step.status, ...(step.detail ? { detail: step.detail } : {}) };
        }
        break;
      }
      default: {
        const never: never = action;
        throw new Error(`unknown action type ${JSON.stringify(never)}`);
      }
    }
  }
  return heal ? { actions: done, heal } : { actions: done };
}
