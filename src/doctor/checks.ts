/**
 * `remediator doctor`'s judgement, pure: facts gathered read-only (src/adapters/doctor-probes.ts) → a checklist.
 * Every failed check names what is wrong and the fix. Webhook URLs are judged here and never put in any output:
 * a check shows the host at most.
 */
import type { Config } from '../config';
import { ROLE_IDS } from '../model';
import { HANDLED_EVENT_TYPES, HANDLED_OPERATIONS } from '../intake/relevance';

export type CheckStatus = 'pass' | 'fail' | 'warn';

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do (failed and warned checks). */
  fix?: string;
}

export type Probe<T> = { ok: true; value: T } | { ok: false; error: string };

export interface ScopeFacts {
  scope: string;
  registries: Probe<number>;
  roleAssignments: Probe<number>;
}

export interface RoleAssignmentFacts {
  id: string;
  scope: string;
  roleDefinitionId: string;
  condition?: string;
  conditionVersion?: string;
}

export interface EventSubscriptionFacts {
  id: string;
  endpointType: string;
  /** Function resource id or webhook base URL (no query: never a key). */
  target: string;
  includedEventTypes: readonly string[];
  advancedFilters: readonly { operatorType: string; key: string; values: readonly string[] }[];
  deadLetter: boolean;
}

export interface StorageFacts {
  name: string;
  kind: 'table' | 'queue';
  reachable: Probe<true>;
}

export interface DoctorFacts {
  config: Probe<Readonly<Config>>;
  principalId?: string;
  scopes: readonly ScopeFacts[];
  /** Role assignments of the principal (any role) found in the scopes; undefined when they could not be read. */
  assignments?: readonly RoleAssignmentFacts[];
  /** Event subscriptions delivering to the remediator; undefined when Event Grid could not be read (error). */
  eventSubscriptions: Probe<readonly EventSubscriptionFacts[]>;
  storage: readonly StorageFacts[];
  webhooks: { teams?: string; slack?: string };
  expectMode?: string;
}

const PULL_ROLES: ReadonlySet<string> = new Set<string>([ROLE_IDS.acrPull, ROLE_IDS.repositoryReader]);
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const guidOf = (roleDefinitionId: string): string => (roleDefinitionId.split('/').pop() ?? '').toLowerCase();

/** Does an RBAC Administrator condition allow only the two pull roles (writes and deletes)? */
export function conditionLimitsToPullRoles(condition: string | undefined): { ok: boolean; why: string } {
  if (!condition?.trim()) return { ok: false, why: 'it has no condition: it may assign any role, Owner included' };
  const guids = new Set((condition.match(GUID) ?? []).map((g) => g.toLowerCase()));
  const others = [...guids].filter((g) => !PULL_ROLES.has(g));
  if (others.length) return { ok: false, why: `its condition also allows role(s) ${others.join(', ')}` };
  if (![...PULL_ROLES].every((g) => guids.has(g)))
    return {
      ok: false,
      why: 'its condition does not name both pull roles (AcrPull, Container Registry Repository Reader)',
    };
  if (!/roleAssignments\/write/i.test(condition))
    return { ok: false, why: 'its condition does not constrain role assignment writes' };
  return { ok: true, why: 'condition limited to AcrPull and Container Registry Repository Reader' };
}

const TEAMS_HOSTS =
  /(^|\.)(logic\.azure\.com|api\.powerplatform\.com|powerautomate\.com|flow\.microsoft\.com|webhook\.office\.com)$/i;

/** Is a webhook URL usable? Returns the problem (never the URL), or undefined when well-formed. */
export function webhookProblem(channel: 'teams' | 'slack', value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:') return `scheme ${url.protocol.replace(':', '')} (must be https)`;
  if (channel === 'slack') {
    if (url.hostname !== 'hooks.slack.com') return `host ${url.hostname} is not hooks.slack.com`;
    if (!/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(url.pathname))
      return 'path is not /services/T…/B…/… (an incoming webhook URL)';
    return undefined;
  }
  if (!TEAMS_HOSTS.test(url.hostname)) return `host ${url.hostname} is not a Teams Workflows (Power Automate) host`;
  if (/logic\.azure\.com|powerplatform|powerautomate/i.test(url.hostname) && !url.searchParams.get('sig'))
    return 'the Workflows URL has no sig= parameter (copy the whole URL from the workflow trigger)';
  return undefined;
}

function hostOf(value: string): string {
  try {
    return new URL(value.trim()).hostname;
  } catch {
    return '(not a URL)';
  }
}

export function evaluateDoctor(f: DoctorFacts): Check[] {
  const checks: Check[] = [];
  const oid = f.principalId ?? '<remediator principal id>';

  // Settings, mode and guardrails.
  if (!f.config.ok) {
    checks.push({
      id: 'settings',
      title: 'app settings are valid',
      status: 'fail',
      detail: f.config.error,
      fix: 'correct the settings listed (README "Configuration"; az functionapp config appsettings set -n APP -g RG --settings NAME=VALUE)',
    });
    return checks; // nothing else can be judged from settings that do not load
  } else {
    const c = f.config.value;
    checks.push({ id: 'settings', title: 'app settings are valid', status: 'pass', detail: 'every setting parsed' });
    const summary = `mode ${c.mode}; fix types ${c.allowedFixTypes.join(', ') || 'none'}; scopes ${c.allowedScopes.join(', ') || 'everything readable'}; budget ${c.fixBudgetPerHour}/h; opt-out tag ${c.optOutTag}=true`;
    if (f.expectMode && f.expectMode !== c.mode)
      checks.push({
        id: 'mode',
        title: 'mode and guardrails',
        status: 'fail',
        detail: `expected mode ${f.expectMode}, the settings say ${summary}`,
        fix: `az functionapp config appsettings set -n APP -g RG --settings REMEDIATOR_MODE=${f.expectMode}`,
      });
    else if (c.mode === 'auto-fix' && c.allowedFixTypes.length === 0)
      checks.push({
        id: 'mode',
        title: 'mode and guardrails',
        status: 'warn',
        detail: `${summary}: auto-fix with no fix type allowed applies nothing`,
        fix: 'set REMEDIATOR_ALLOWED_FIX_TYPES (e.g. assign-role,redeploy-revision) or REMEDIATOR_MODE=dry-run',
      });
    else checks.push({ id: 'mode', title: 'mode and guardrails', status: 'pass', detail: summary });
  }

  // Who am I.
  checks.push(
    f.principalId
      ? { id: 'identity', title: 'identity', status: 'pass', detail: `runs as principal ${f.principalId}` }
      : {
          id: 'identity',
          title: 'identity',
          status: 'fail',
          detail: 'the token carries no object id',
          fix: 'pass --principal-id with the remediator identity principal id (azd env get-value REMEDIATOR_IDENTITY_PRINCIPAL_ID)',
        },
  );

  // Scopes readable.
  for (const s of f.scopes) {
    const problems = [
      ...(s.registries.ok ? [] : [`cannot list registries: ${s.registries.error}`]),
      ...(s.roleAssignments.ok ? [] : [`cannot list role assignments: ${s.roleAssignments.error}`]),
    ];
    checks.push(
      problems.length
        ? {
            id: `scope:${s.scope}`,
            title: `scope ${s.scope} readable`,
            status: 'fail',
            detail: problems.join('; '),
            fix: `az role assignment create --assignee-object-id ${oid} --assignee-principal-type ServicePrincipal --role Reader --scope ${s.scope}`,
          }
        : {
            id: `scope:${s.scope}`,
            title: `scope ${s.scope} readable`,
            status: 'pass',
            detail: `${s.registries.ok ? s.registries.value : 0} registries, ${s.roleAssignments.ok ? s.roleAssignments.value : 0} role assignments visible`,
          },
    );
  }

  // RBAC Administrator limited to the pull roles.
  if (f.assignments) {
    const admins = f.assignments.filter((a) => guidOf(a.roleDefinitionId) === ROLE_IDS.rbacAdministrator);
    const needsIt = f.config.ok && f.config.value.allowedFixTypes.includes('assign-role');
    if (!admins.length)
      checks.push({
        id: 'rbac-admin',
        title: 'RBAC Administrator limited to the pull roles',
        status: needsIt ? 'fail' : 'warn',
        detail: 'no Role Based Access Control Administrator assignment: the remediator cannot grant pull roles',
        fix: 'azd provision (infra assigns it at registryScopes with the ABAC condition of infra/rbac.json)',
      });
    for (const a of admins) {
      const judged = conditionLimitsToPullRoles(a.condition);
      checks.push(
        judged.ok
          ? { id: `rbac-admin:${a.id}`, title: `RBAC Administrator at ${a.scope}`, status: 'pass', detail: judged.why }
          : {
              id: `rbac-admin:${a.id}`,
              title: `RBAC Administrator at ${a.scope}`,
              status: 'fail',
              detail: `assignment ${a.id}: ${judged.why}`,
              fix: `az role assignment delete --ids ${a.id}; then azd provision (re-creates it with the condition rbacAdministratorCondition of infra/rbac.json, conditionVersion 2.0)`,
            },
      );
    }
  }

  // Event Grid subscription.
  if (!f.eventSubscriptions.ok) {
    checks.push({
      id: 'event-subscription',
      title: 'Event Grid subscription',
      status: 'fail',
      detail: `cannot read Event Grid subscriptions: ${f.eventSubscriptions.error}`,
      fix: `give the identity Reader on the remediator resource group (az role assignment create --assignee-object-id ${oid} --role Reader --scope /subscriptions/SUB/resourceGroups/RG)`,
    });
  } else if (!f.eventSubscriptions.value.length) {
    checks.push({
      id: 'event-subscription',
      title: 'Event Grid subscription',
      status: 'fail',
      detail: 'no Event Grid subscription delivers to the eventGridFailures function: the remediator hears nothing',
      fix: 'azd up (or: azd env set DEPLOY_EVENT_WIRING true && azd provision) once the code is deployed',
    });
  } else {
    for (const s of f.eventSubscriptions.value) checks.push(...judgeSubscription(s));
  }

  // Storage.
  if (!f.storage.length)
    checks.push({
      id: 'storage',
      title: 'storage reachable',
      status: 'fail',
      detail: 'no storage configured: claims, audit and heal checks would live in one process only',
      fix: 'set REMEDIATOR_STORAGE_ACCOUNT_URL (identity) or REMEDIATOR_STORAGE_CONNECTION',
    });
  for (const s of f.storage)
    checks.push(
      s.reachable.ok
        ? { id: `storage:${s.name}`, title: `${s.kind} ${s.name} reachable`, status: 'pass', detail: 'read succeeded' }
        : {
            id: `storage:${s.name}`,
            title: `${s.kind} ${s.name} reachable`,
            status: 'fail',
            detail: s.reachable.error,
            fix:
              s.kind === 'table'
                ? `check REMEDIATOR_STORAGE_ACCOUNT_URL / REMEDIATOR_STORAGE_CONNECTION and that the table exists; the identity needs "Storage Table Data Contributor" on the account`
                : `check the storage settings and that queue ${s.name} exists; the identity needs "Storage Queue Data Contributor" on the account`,
          },
    );

  // Webhooks: present and well-formed; never printed.
  const hooks = (['teams', 'slack'] as const).filter((c) => f.webhooks[c]?.trim());
  if (!hooks.length)
    checks.push({
      id: 'webhooks',
      title: 'notification webhooks',
      status: 'warn',
      detail: 'neither TEAMS_WEBHOOK_URL nor SLACK_WEBHOOK_URL is set: nobody is told',
      fix: 'azd env set TEAMS_WEBHOOK_URL / SLACK_WEBHOOK_URL (stored in Key Vault) and azd provision',
    });
  for (const c of hooks) {
    const value = f.webhooks[c] ?? '';
    const setting = c === 'teams' ? 'TEAMS_WEBHOOK_URL' : 'SLACK_WEBHOOK_URL';
    const problem = webhookProblem(c, value);
    checks.push(
      problem
        ? {
            id: `webhook:${c}`,
            title: `${setting} well-formed`,
            status: 'fail',
            detail: problem,
            fix: `set ${setting} to the ${c === 'teams' ? 'Teams Workflows webhook URL (https://…logic.azure.com/…?…&sig=…)' : 'Slack incoming webhook URL (https://hooks.slack.com/services/T…/B…/…)'}`,
          }
        : {
            id: `webhook:${c}`,
            title: `${setting} well-formed`,
            status: 'pass',
            detail: `https, host ${hostOf(value)}`,
          },
    );
  }
  return checks;
}

function judgeSubscription(s: EventSubscriptionFacts): Check[] {
  const name = s.id.split('/').pop() ?? s.id;
  const out: Check[] = [];
  const types = new Set(s.includedEventTypes.map((t) => t.toLowerCase()));
  const missingTypes = HANDLED_EVENT_TYPES.filter((t) => !types.has(t.toLowerCase()));
  const opFilter = s.advancedFilters.find(
    (a) => a.key.toLowerCase() === 'data.operationname' && /^stringin$/i.test(a.operatorType),
  );
  const ops = new Set((opFilter?.values ?? []).map((v) => v.toLowerCase()));
  const missingOps = opFilter ? HANDLED_OPERATIONS.filter((o) => !ops.has(o.toLowerCase())) : [];
  const problems = [
    ...(s.includedEventTypes.length === 0 ? ['no includedEventTypes: every ARM event is delivered'] : []),
    ...(s.includedEventTypes.length && missingTypes.length ? [`event types missing: ${missingTypes.join(', ')}`] : []),
    ...(!opFilter ? ['no StringIn filter on data.operationName: every operation is delivered'] : []),
    ...(missingOps.length ? [`operations missing from the filter: ${missingOps.join(', ')}`] : []),
  ];
  out.push(
    problems.length
      ? {
          id: `event-filter:${name}`,
          title: `Event Grid subscription ${name} filtered to the handled events`,
          status: 'fail',
          detail: problems.join('; '),
          fix: 'azd provision (the filter comes from infra/event-filter.json = src/intake/relevance.ts)',
        }
      : {
          id: `event-filter:${name}`,
          title: `Event Grid subscription ${name} filtered to the handled events`,
          status: 'pass',
          detail: `${s.endpointType} → ${s.target}; ${HANDLED_EVENT_TYPES.length} event types, ${HANDLED_OPERATIONS.length} operations`,
        },
  );
  out.push(
    s.deadLetter
      ? {
          id: `dead-letter:${name}`,
          title: `Event Grid subscription ${name} dead-letters`,
          status: 'pass',
          detail: 'dead-letter destination set',
        }
      : {
          id: `dead-letter:${name}`,
          title: `Event Grid subscription ${name} dead-letters`,
          status: 'fail',
          detail: 'no dead-letter destination: events that exhaust their retries are lost silently',
          fix: 'azd provision (infra sets deadLetterWithResourceIdentity to the eventgrid-deadletter container)',
        },
  );
  return out;
}
