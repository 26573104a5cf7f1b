/**
 * The hash of a plan: what would be written, where — the diagnosis kind and each fix's type and target, not the
 * wording. Two plans with the same hash write the same things. Pure.
 */
import { createHash } from 'node:crypto';
import { normalizeId, roleGuid } from '../azure/ids';
import type { Action, Diagnosis } from '../model';

/** The actions a person approves: every one the remediator may write (manual steps stay manual). */
export function selectApprovable(actions: readonly Action[]): Action[] {
  return actions.filter((a) => a.status !== 'manual');
}

export function hashPlan(diagnosis: Pick<Diagnosis, 'kind' | 'resourceId'>, actions: readonly Action[]): string {
  const lines = selectApprovable(actions).map((a) =>
    [
      a.type,
      a.scope ? normalizeId(a.scope) : '',
      a.resourceId ? normalizeId(a.resourceId) : '',
      a.principalId?.toLowerCase() ?? '',
      a.roleDefinitionId ? roleGuid(a.roleDefinitionId) : '',
    ].join('|'),
  );
  return createHash('sha256')
    .update([diagnosis.kind, normalizeId(diagnosis.resourceId), ...lines].join('\n'), 'utf8')
    .digest('hex');
}
