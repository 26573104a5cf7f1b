/** How messages name things for people: kinds, resources, roles, scopes, identities, actions. Pure. */
import { roleNameByGuid } from '../azure/roles';
import { KINDS } from '../kinds';
import type { Action, DiagnosisKind, Outcome } from '../model';

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

/** The registry identity by name only ("web-pull", "system-assigned"). */
export function describeIdentityName(o: Outcome): string | undefined {
  const id = o.diagnosis?.details.identity;
  if (!id) return undefined;
  return id.kind === 'system' ? 'system-assigned' : (nameOfResource(id.resourceId) ?? id.resourceId);
}

/** The words for the change an action makes (imperative), with names from `aliases` (src/notify/people.ts). */
function describeChange(a: Action, aliases: ReadonlyMap<string, string>): string {
  switch (a.type) {
    case 'assign-role': {
      const who = a.principalId
        ? (aliases.get(a.principalId.toLowerCase()) ?? `principal ${a.principalId}`)
        : 'the principal';
      const guid = (nameOfResource(a.roleDefinitionId) ?? '').toLowerCase();
      return `assign ${aliases.get(guid) ?? describeRole(a.roleDefinitionId)} to ${who} on ${describeScope(a.scope)}`;
    }
    case 'enable-arm-token-auth':
      return `enable authentication-as-arm on registry ${nameOfResource(a.resourceId ?? a.scope) ?? '(unknown)'}`;
    case 'start-job-execution':
      return `start one execution of job ${nameOfResource(a.resourceId ?? a.scope) ?? '(unknown)'}`;
    case 'redeploy-revision': {
      const app = nameOfResource(a.resourceId ?? a.scope) ?? 'the app';
      const planned = /^dry-run: would (create a new revision .*)$/.exec(a.reason ?? '')?.[1];
      return planned ?? `start a new revision of ${app}`;
    }
    default: {
      const never: never = a;
      return JSON.stringify(never);
    }
  }
}

const PAST: Record<Action['type'], (change: string) => string> = {
  'assign-role': (c) => c.replace(/^assign/, 'assigned'),
  'enable-arm-token-auth': (c) => c.replace(/^enable/, 'enabled'),
  'redeploy-revision': (c) => c.replace(/^start a new revision/, 'started a new revision'),
  'start-job-execution': (c) => c.replace(/^start one execution/, 'started one execution'),
};

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * One action as a sentence for people, said once: "Assigned AcrPull to identity web-pull on acmeacr" (applied),
 * "Assign AcrPull …" (planned: the heading says it would be done), "Not done: … — why" (blocked), "Failed: … — why".
 */
export function describeAction(a: Action, aliases: ReadonlyMap<string, string> = new Map()): string {
  const change = describeChange(a, aliases);
  switch (a.status) {
    case 'applied': {
      if (a.type === 'redeploy-revision') {
        const scheduled = /^scheduled: a new revision .*? will be created in (\d+) s/.exec(a.reason ?? '');
        if (scheduled) return capitalise(`${change.replace(/^start/, 'scheduled')} once the fix takes effect`);
        const created = /^created revision (\S+?);?\s/.exec(`${a.reason ?? ''} `);
        if (created) return `Started revision ${created[1]} of ${nameOfResource(a.resourceId) ?? 'the app'}`;
      }
      return capitalise(PAST[a.type](change));
    }
    case 'planned':
      return capitalise(change);
    case 'manual':
      return capitalise(change);
    case 'blocked':
      return `Not done: ${change}${a.reason ? ` — ${a.reason}` : ''}`;
    case 'failed':
      return `Failed: ${change}${a.reason ? ` — ${a.reason}` : ''}`;
    case 'awaiting-approval':
      return `Once approved: ${change}`;
    default: {
      const never: never = a;
      return JSON.stringify(never);
    }
  }
}
