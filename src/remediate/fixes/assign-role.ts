/** `assign-role`: one role assignment (only the two pull roles pass the guardrails), named deterministically. */
import { parseResourceId, roleGuid, subscriptionRoleDefinitionId } from '../../azure/ids';
import { createRoleAssignmentName } from '../ids';
import { describeRole } from '../plan';
import { guardAndWrite } from '../write';
import type { FixType } from './fix-type';

export const ASSIGN_ROLE: FixType<'assign-role'> = {
  async execute(action, { event, diagnosis, ctx, deps }) {
    const { scope, principalId, roleDefinitionId: roleId } = action;
    const name = createRoleAssignmentName(scope, roleId, principalId);
    const sub = parseResourceId(scope).subscriptionId;
    const out = await guardAndWrite(action, ctx, deps, async (run) => {
      if (run.takenOver) {
        // The earlier owner stopped mid-way: does the assignment exist already?
        const found = (await deps.arm.listRoleAssignmentsForPrincipal(scope, principalId)).some(
          (a) => a.name.toLowerCase() === name,
        );
        if (found)
          return {
            reason: `${describeRole(roleId)} for ${principalId} at the registry was written by an earlier attempt (role assignment ${name})`,
            facts: { assignmentName: name, created: false },
          };
      }
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
    return { action: out.action };
  },
};
