/**
 * Guardrails: may this one fix be written now? Pure: the executor re-reads the facts from ARM immediately before every
 * write and calls `checkGuardrail` — the same function for every door, every fix type, the heal task's redeploy too.
 * Never trusts ids from the event: only what `GuardFacts` holds (freshly read) counts.
 */
import type { ContainerAppInfo, RegistryInfo } from '../azure/arm-port';
import { isAtOrAbove, normalizeId, sameId, roleGuid } from '../azure/ids';
import type { Config } from '../config';
import { FIX_TARGETS, PULL_ROLE_IDS, ROLE_IDS, type Action, type FixAction } from '../model';
import { describeRole } from './plan';

export interface GuardFacts {
  /** The container app the fix is for, re-read from ARM (undefined: not known or gone). */
  app?: ContainerAppInfo;
  /** The registry the fix writes to (assign-role, enable-arm-token-auth), re-read from ARM. */
  registry?: RegistryInfo;
  /** Container apps re-read from ARM that may use the registry (at least the diagnosed app, when known). */
  apps: readonly ContainerAppInfo[];
}

export interface BudgetState {
  /** Fixes already written this hour, across all instances (before this one). */
  usedThisHour: number;
}

export type GuardDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: string;
      /**
       * The action's status when stopped: `planned` (dry-run), `manual` (never automatic), `blocked` (a guardrail),
       * `awaiting-approval` (approve mode, until a person approves).
       */
      status: 'planned' | 'manual' | 'blocked' | 'awaiting-approval';
    };

export type GuardConfig = Pick<Config, 'mode' | 'allowedFixTypes' | 'allowedScopes' | 'optOutTag' | 'fixBudgetPerHour'>;

const blocked = (reason: string): GuardDecision => ({ allowed: false, status: 'blocked', reason });

/** Whether `id` lies within one of the allowed scopes (lower-cased prefix on ARM segment boundaries); empty = all. */
export function isInAllowedScopes(id: string, allowedScopes: readonly string[]): boolean {
  if (allowedScopes.length === 0) return true;
  return allowedScopes.some((s) => isAtOrAbove(s, id));
}

/** Whether the opt-out tag is set to `true` (tag names are case-insensitive in Azure). */
export function hasOptOutTag(tags: Record<string, string> | undefined, optOutTag: string): boolean {
  if (!tags) return false;
  const want = optOutTag.toLowerCase();
  return Object.entries(tags).some(([k, v]) => k.toLowerCase() === want && String(v).trim().toLowerCase() === 'true');
}

/** The principal an app uses for a login server (its `registries[]` entry → identity → principalId), if any. */
export function findRegistryPrincipal(app: ContainerAppInfo, loginServer: string): string | undefined {
  const entry = app.registries.find((r) => r.server.toLowerCase() === loginServer.toLowerCase());
  if (!entry?.identity) return undefined;
  if (entry.identity.toLowerCase() === 'system') return app.identity.principalId;
  const uai = Object.entries(app.identity.userAssignedIdentities).find(([id]) => sameId(id, entry.identity));
  return uai?.[1].principalId;
}

/** Apps (in scope) whose registry entry for this registry names an identity with this principal. */
export function findAppsUsingPrincipal(
  apps: readonly ContainerAppInfo[],
  registry: RegistryInfo,
  principalId: string,
  allowedScopes: readonly string[],
): ContainerAppInfo[] {
  return apps.filter(
    (a) =>
      isInAllowedScopes(a.id, allowedScopes) &&
      findRegistryPrincipal(a, registry.loginServer)?.toLowerCase() === principalId.toLowerCase(),
  );
}

function targetOf(action: FixAction, facts: GuardFacts): { id: string; what: string } | undefined {
  if (FIX_TARGETS[action.type] === 'registry')
    return facts.registry ? { id: facts.registry.id, what: `registry ${facts.registry.name}` } : undefined;
  return facts.app ? { id: facts.app.id, what: `container app ${facts.app.name}` } : undefined;
}

export function checkGuardrail(
  action: Action,
  facts: GuardFacts,
  config: GuardConfig,
  budget: BudgetState,
  /** Approve mode: `approved` once a person approved this plan (the approval flow, or a heal step it scheduled). */
  approval: { approved?: boolean } = {},
): GuardDecision {
  // Never automatic.
  if (action.status === 'manual') return { allowed: false, status: 'manual', reason: action.reason ?? 'manual step' };
  if (action.type === 'assign-role') {
    const role = action.roleDefinitionId;
    if (!role || !PULL_ROLE_IDS.includes(roleGuid(role))) {
      return {
        allowed: false,
        status: 'manual',
        reason: `the remediator only ever assigns AcrPull or Container Registry Repository Reader; ${role ? describeRole(role) : 'this role'} must be assigned by a person`,
      };
    }
  }
  // Allowed fix types (enable-arm-token-auth is off unless the operator opted in).
  if (!config.allowedFixTypes.includes(action.type)) {
    return blocked(
      `fix type ${action.type} is not allowed (REMEDIATOR_ALLOWED_FIX_TYPES=${config.allowedFixTypes.join(',') || 'none'})`,
    );
  }
  // The target, as ARM has it now.
  const target = targetOf(action, facts);
  if (!target)
    return blocked(
      action.type === 'redeploy-revision'
        ? 'the container app could not be read from ARM'
        : 'the registry could not be read from ARM',
    );
  if (!isInAllowedScopes(target.id, config.allowedScopes)) {
    return blocked(`${target.what} is outside the allowed scopes (REMEDIATOR_ALLOWED_SCOPES)`);
  }
  // Opt-out tag on the app or the registry.
  if (facts.registry && hasOptOutTag(facts.registry.tags, config.optOutTag))
    return blocked(`registry ${facts.registry.name} carries the opt-out tag ${config.optOutTag}=true`);
  if (facts.app && hasOptOutTag(facts.app.tags, config.optOutTag))
    return blocked(`container app ${facts.app.name} carries the opt-out tag ${config.optOutTag}=true`);

  if (action.type === 'assign-role') {
    const registry = facts.registry as RegistryInfo;
    // Only at that registry's exact scope.
    if (!action.scope || normalizeId(action.scope) !== normalizeId(registry.id)) {
      return blocked(
        `a pull role is only ever assigned at the registry's own scope (${registry.id}), not at ${action.scope ?? '(no scope)'}`,
      );
    }
    if (
      registry.roleAssignmentMode === 'AbacRepositoryPermissions' &&
      roleGuid(action.roleDefinitionId) === ROLE_IDS.acrPull
    ) {
      return blocked(
        `registry ${registry.name} is in ABAC mode, where AcrPull is not honoured: Container Registry Repository Reader is needed`,
      );
    }
    // Only to a principal a container app in scope has configured for that registry.
    if (!action.principalId) return blocked('no principal to assign the role to');
    const users = findAppsUsingPrincipal(facts.apps, registry, action.principalId, config.allowedScopes);
    if (users.length === 0) {
      return blocked(
        `no container app in scope uses principal ${action.principalId} for ${registry.loginServer} (re-read from ARM)`,
      );
    }
    const optedOut = users.filter((a) => hasOptOutTag(a.tags, config.optOutTag));
    if (optedOut.length === users.length)
      return blocked(`container app ${optedOut[0]?.name ?? ''} carries the opt-out tag ${config.optOutTag}=true`);
  }

  if (budget.usedThisHour >= config.fixBudgetPerHour) {
    return blocked(
      `fix budget exhausted: ${budget.usedThisHour} of ${config.fixBudgetPerHour} fixes this hour (REMEDIATOR_FIX_BUDGET_PER_HOUR)`,
    );
  }
  if (config.mode === 'dry-run')
    return { allowed: false, status: 'planned', reason: `dry-run: would ${action.reason ?? action.type}` };
  if (config.mode === 'approve' && approval.approved !== true)
    return {
      allowed: false,
      status: 'awaiting-approval',
      reason: `awaiting approval: would ${action.reason ?? action.type}`,
    };
  return { allowed: true };
}
