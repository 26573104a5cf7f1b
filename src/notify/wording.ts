/** How messages name things for people: kinds, resources, roles, scopes, identities, actions. Pure. */
import { roleNameByGuid } from '../azure/roles';
import { KINDS } from '../kinds';
import type { Action, ActionStatus, DiagnosisKind, Outcome } from '../model';

/** The label used in titles for a kind. */
export function describeKind(kind: DiagnosisKind): string {
  return KINDS[kind].label;
}

/** Last segment of an ARM id ("…/containerApps/web" → "web"). */
export function nameOfResource(resourceId: string | undefined): string | undefined {
  if (!resourceId) return undefined;
  const parts = resourceId.split('/').filter((p) => p !== '');
  return parts[parts.length - 1];
}

/** Human name of a role definition id (GUID or full id). */
export function describeRole(roleDefinitionId: string | undefined, fallbackName?: string): string {
  if (!roleDefinitionId) return fallbackName ?? 'a role';
  const guid = (nameOfResource(roleDefinitionId) ?? roleDefinitionId).toLowerCase();
  return roleNameByGuid(guid) ?? fallbackName ?? `role ${guid}`;
}

/** "subscription S", "resource group G", or the resource's name. */
export function describeScope(scope: string | undefined): string {
  if (!scope) return 'its scope';
  const name = nameOfResource(scope);
  const segments = scope.split('/').filter((p) => p !== '');
  if (segments.length === 2 && segments[0]?.toLowerCase() === 'subscriptions') return `subscription ${name}`;
  if (segments.length === 4 && segments[2]?.toLowerCase() === 'resourcegroups') return `resource group ${name}`;
  return `${name}`;
}

/** The registry identity of a diagnosed outcome, for the facts. */
export function describeIdentity(o: Outcome): string | undefined {
  const id = o.diagnosis?.details.identity;
  if (!id) return undefined;
  if (id.kind === 'system') return `system-assigned${id.principalId ? ` (principal ${id.principalId})` : ''}`;
  return `${nameOfResource(id.resourceId) ?? id.resourceId}${id.principalId ? ` (principal ${id.principalId})` : ''}`;
}

const STATUS_PREFIX: Record<ActionStatus, string> = {
  applied: 'Done',
  planned: 'Would do',
  blocked: 'Blocked',
  manual: 'For a person',
  failed: 'Failed',
};

/** One action as a sentence for people. */
export function describeAction(a: Action): string {
  let what: string;
  switch (a.type) {
    case 'assign-role': {
      const role = describeRole(a.roleDefinitionId);
      what = `assign ${role} to principal ${a.principalId ?? '(unknown)'} at ${describeScope(a.scope)}`;
      break;
    }
    case 'enable-arm-token-auth':
      what = `enable authentication-as-arm on registry ${nameOfResource(a.resourceId ?? a.scope) ?? '(unknown)'}`;
      break;
    case 'redeploy-revision':
      what = `redeploy the failed revision of ${nameOfResource(a.resourceId ?? a.scope) ?? 'the app'}`;
      break;
    default: {
      const never: never = a;
      what = JSON.stringify(never);
    }
  }
  const reason = a.reason ? ` (${a.reason})` : '';
  return `${STATUS_PREFIX[a.status]}: ${what}${reason}`;
}
