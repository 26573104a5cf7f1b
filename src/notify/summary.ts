/**
 * Builders of the notification model (pure): what failed, why, the evidence, what was (or would be) done, what a
 * person must still do, where to look. Built from an Outcome; rendered by the channels. No I/O, no clock (time comes in).
 */
import { KINDS } from '../kinds';
import type { Action, FailureEvent, HealResult, Outcome } from '../model';
import { formatDurationMs } from './durations';
import type { HealFollowUp, StatusColour, Summary, SummaryContext, SummaryFact, SummaryLink } from './message-types';
import { type Aliases, asName, buildAliases, describeStep, type PersonStep, wordsForPeople } from './people';
import { buildPortalUrl } from './portal';
import {
  describeAction,
  describeIdentity,
  describeIdentityName,
  describeKind,
  describeRole,
  describeScope,
  nameOfResource,
} from './wording';

function statusOf(outcome: Outcome): StatusColour {
  const kind = outcome.diagnosis?.kind;
  const actions = outcome.actions ?? [];
  if (!kind) return outcome.status === 'rejected' ? 'attention' : 'warning';
  if (actions.some((a) => a.status === 'failed')) return 'attention';
  if (outcome.heal?.status === 'still-failing') return 'attention';
  if (KINDS[kind].manual) return 'attention';
  if (kind === 'unrelated') return 'good';
  const auto = actions.filter((a) => a.status !== 'manual');
  if (auto.length > 0 && auto.every((a) => a.status === 'applied')) return 'good';
  return 'warning';
}

/** What broke, in words for people (the diagnosis's sentence with names instead of ids). */
function brokeOf(outcome: Outcome, event: FailureEvent | undefined, aliases: Aliases): string {
  const d = outcome.diagnosis;
  if (!d)
    return wordsForPeople(
      `Event ${outcome.eventId} was ${outcome.status}${outcome.error ? `: ${outcome.error}` : outcome.reason ? `: ${outcome.reason}` : ''}.`,
      aliases,
    );
  const x = d.details;
  if (KINDS[d.kind].family === 'arm-authz' && d.kind !== 'arm-authz/acr-pull-denied') {
    const caller = asName(event?.caller?.name) ?? aliases.get((x.callerPrincipalId ?? '').toLowerCase()) ?? 'A caller';
    const action = x.deniedAction ?? event?.authorization?.action ?? 'an action';
    const scope = describeScope(x.deniedScope ?? event?.authorization?.scope ?? d.resourceId);
    const role = x.recommendedRole ? ` It needs ${x.recommendedRole.roleName} there (least privilege).` : '';
    return `${caller === 'A caller' ? caller : capitalise(caller)} was denied ${action} on ${scope}.${role}`;
  }
  return capitalise(wordsForPeople(d.summary, aliases));
}

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const joinWords = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

/** The change of one fix in a few words: "assign AcrPull", "redeploy web" (past: "assigned AcrPull", …). */
function verbOf(a: Action, past: boolean): string {
  switch (a.type) {
    case 'assign-role':
      return `${past ? 'assigned' : 'assign'} ${describeRole(a.roleDefinitionId)}`;
    case 'enable-arm-token-auth':
      return `${past ? 'enabled' : 'enable'} authentication-as-arm`;
    case 'start-job-execution':
      return `${past ? 'started' : 'start'} job ${nameOfResource(a.resourceId ?? a.scope) ?? ''}`.trimEnd();
    case 'redeploy-revision': {
      const app = nameOfResource(a.resourceId ?? a.scope) ?? 'the app';
      if (!past) return `redeploy ${app}`;
      return a.reason?.startsWith('scheduled') ? `scheduled a redeploy of ${app}` : `redeployed ${app}`;
    }
    default: {
      const never: never = a;
      return JSON.stringify(never);
    }
  }
}

/** What the remediator did or needs, one short sentence (the list below says it in full). */
function didOf(outcome: Outcome, steps: readonly string[], mode: string): string {
  const fixes = (outcome.actions ?? []).filter((a) => a.status !== 'manual');
  const failed = fixes.filter((a) => a.status === 'failed');
  const blocked = fixes.filter((a) => a.status === 'blocked');
  const applied = fixes.filter((a) => a.status === 'applied');
  const pending = fixes.filter((a) => a.status === 'awaiting-approval');
  if (failed.length) return `A fix failed (${verbOf(failed[0] as Action, false)}): a person must act.`;
  if (pending.length && !applied.length)
    return `Nothing was changed yet: press Approve to ${joinWords(pending.map((a) => verbOf(a, false)))}.`;
  if (blocked.length && !applied.length) return `Nothing was changed: ${blocked[0]?.reason ?? 'a guardrail said no'}.`;
  if (fixes.length && applied.length === fixes.length)
    return `Fixed automatically: ${joinWords(applied.map((a) => verbOf(a, true)))}.`;
  if (applied.length) return `Partly fixed (${joinWords(applied.map((a) => verbOf(a, true)))}): a person must finish.`;
  if (fixes.length && mode === 'dry-run')
    return `Nothing was changed (dry-run); auto-fix would ${joinWords(fixes.map((a) => verbOf(a, false)))}.`;
  if (steps.length)
    return `A person must act: ${lowerFirst(steps[0] ?? '')}${steps.length > 1 ? ' (and more below)' : ''}.`;
  return '';
}

function pushFact(facts: SummaryFact[], title: string, value: string | undefined): void {
  if (value !== undefined && value !== '') facts.push({ title, value });
}

/**
 * The steps a person must do: only for what was not done (applied, planned or awaiting-approval fixes are not repeated
 * as steps: the message says them, and approving does them).
 */
function stepsOf(outcome: Outcome, aliases: Aliases): PersonStep[] {
  const actions = outcome.actions ?? [];
  const covered = new Set(
    actions
      .filter((a) => a.status === 'applied' || a.status === 'planned' || a.status === 'awaiting-approval')
      .map((a) => a.type),
  );
  const steps = (outcome.diagnosis?.manualSteps ?? [])
    .map((s) => describeStep(s, aliases))
    .filter((s) => !s.fixType || !covered.has(s.fixType));
  // A manual action the steps do not already say (same fix type) is a step too.
  for (const a of actions)
    if (a.status === 'manual' && !steps.some((s) => s.fixType === a.type))
      steps.push({ text: describeAction(a, aliases), fixType: a.type });
  return steps;
}

/** What a person must still do about an outcome (a sentence and the command each), as the messages say it. */
export function buildPersonSteps(outcome: Outcome, callerName?: string): PersonStep[] {
  return stepsOf(outcome, buildAliases(outcome, callerName));
}

/** The summary of one outcome. */
export function buildSummary(outcome: Outcome, event: FailureEvent | undefined, ctx: SummaryContext): Summary {
  const d = outcome.diagnosis;
  const x = d?.details ?? {};
  const tenant = event?.tenantId;
  const mode = outcome.mode ?? ctx.mode;
  const kind = d?.kind ?? 'none';
  const family = d ? KINDS[d.kind].family : undefined;
  const appName = x.appName ?? nameOfResource(x.appId);
  const subject =
    family === 'arm-authz'
      ? nameOfResource(x.deniedScope ?? d?.resourceId)
      : (appName ?? nameOfResource(d?.resourceId ?? event?.resourceId));
  const label = d ? describeKind(d.kind) : `Event ${outcome.status}`;
  const aliases = buildAliases(outcome, event?.caller?.name);

  // Shown: names people know.
  const facts: SummaryFact[] = [];
  pushFact(facts, 'App', appName ? `${appName}${x.revisionName ? ` (revision ${x.revisionName})` : ''}` : undefined);
  pushFact(facts, 'Image', x.image);
  pushFact(
    facts,
    'Registry',
    x.registryId
      ? `${nameOfResource(x.registryId)}${x.roleAssignmentMode ? ` · ${/abac/i.test(x.roleAssignmentMode) ? 'ABAC' : 'legacy'} permissions` : ''}`
      : x.loginServer,
  );
  pushFact(facts, 'Identity', describeIdentityName(outcome));
  if (x.callerPrincipalId)
    pushFact(
      facts,
      'Caller',
      `${aliases.get(x.callerPrincipalId.toLowerCase()) ?? x.callerPrincipalId}${x.callerPrincipalType ? ` (${x.callerPrincipalType})` : ''}`,
    );
  pushFact(facts, 'Denied', x.deniedAction ? `${x.deniedAction} on ${describeScope(x.deniedScope)}` : undefined);
  pushFact(facts, 'Role needed', x.recommendedRole?.roleName);
  pushFact(facts, 'Takes effect at', x.effectiveAt);
  if (facts.length === 0) pushFact(facts, 'Resource', nameOfResource(d?.resourceId ?? event?.resourceId));

  // Behind the toggle: ids and bookkeeping.
  const details: SummaryFact[] = [];
  pushFact(details, 'Diagnosis', d?.kind);
  pushFact(details, 'App id', x.appId ?? (family === 'acr-pull' ? d?.resourceId : undefined));
  pushFact(details, 'Registry id', x.registryId);
  pushFact(details, 'Identity', describeIdentity(outcome));
  pushFact(details, 'Caller object id', x.callerPrincipalId);
  pushFact(details, 'Denied scope', x.deniedScope);
  pushFact(details, 'Role definition', x.recommendedRole?.roleDefinitionId);
  pushFact(details, 'Mode', mode);
  const correlationId = outcome.correlationId ?? event?.correlationId;
  pushFact(details, 'Correlation id', correlationId);
  pushFact(details, 'Event id', outcome.eventId);
  pushFact(details, 'At', ctx.now.toISOString());

  const links: SummaryLink[] = [];
  const addLink = (title: string, id: string | undefined): void => {
    if (!id || links.some((l) => l.url === buildPortalUrl(id, tenant))) return;
    links.push({ title, url: buildPortalUrl(id, tenant) });
  };
  if (family === 'arm-authz') addLink('Denied scope', x.deniedScope ?? d?.resourceId);
  addLink('Container app', x.appId ?? (family === 'acr-pull' ? d?.resourceId : undefined));
  addLink('Registry', x.registryId);
  if (x.identity?.kind === 'user-assigned') addLink('Identity', x.identity.resourceId);
  if (x.wrongScopeAssignment) addLink('Assignment at the wrong scope', x.wrongScopeAssignment.scope);
  if (x.denyAssignment?.scope) addLink('Deny assignment scope', x.denyAssignment.scope);
  addLink('Resource', d?.resourceId ?? event?.resourceId);

  const fixes = (outcome.actions ?? []).filter((a) => a.status !== 'manual');
  const actions = fixes.map((a) => ({ status: a.status, text: describeAction(a, aliases) }));
  const actionsHeading =
    mode === 'dry-run' && fixes.some((a) => a.status === 'planned')
      ? 'Would do in auto-fix (nothing was changed)'
      : fixes.some((a) => a.status === 'awaiting-approval')
        ? 'Will do once approved (nothing was changed yet)'
        : 'What the remediator did';

  const steps = stepsOf(outcome, aliases);
  const manualSteps = steps.map((s) => s.text);
  if (manualSteps.length === 0 && d && KINDS[d.kind].manual && actions.length === 0)
    manualSteps.push('Read the details: the remediator has no automatic fix for this failure.');
  const commands = steps.flatMap((s) => (s.command ? [s.command] : []));

  const did = d ? didOf(outcome, manualSteps, mode) : '';
  const s: Summary = {
    type: 'summary',
    eventId: outcome.eventId,
    kind,
    status: statusOf(outcome),
    title: subject ? `${label} · ${subject}` : label,
    headline: [brokeOf(outcome, event, aliases), did].filter(Boolean).join(' '),
    why: d?.summary ?? outcome.error ?? outcome.reason ?? 'No diagnosis.',
    evidence: [...(d?.evidence ?? [])],
    evidenceForPeople: (d?.evidence ?? []).map((e) => wordsForPeople(e, aliases)),
    actionsHeading,
    actions,
    manualSteps,
    facts,
    details,
    links,
    mode,
    at: ctx.now.toISOString(),
  };
  if (commands.length) s.commands = commands;
  if (correlationId) s.correlationId = correlationId;
  const raw = x.provisioningError ?? (kind === 'unknown' ? x.rawMessage : undefined);
  if (raw) s.rawDetail = raw;
  if (appName) s.appName = appName;
  if (x.revisionName) s.revisionName = x.revisionName;
  if (outcome.approval) s.approval = outcome.approval;
  return s;
}

/** ", on the first redeploy attempt" / ", after 3 redeploy attempts" (adaptive schedule), else nothing. */
function describeAttempts(attempts: number | undefined): string {
  if (attempts === undefined) return '';
  return attempts === 1 ? ', on the first redeploy attempt' : `, after ${attempts} redeploy attempts`;
}

/** The follow-up once the heal check has looked: "healed in 2m 10s", or what still fails. */
export function buildHealFollowUp(
  outcome: Outcome,
  heal: HealResult,
  event: FailureEvent | undefined,
  ctx: SummaryContext,
): HealFollowUp {
  const x = outcome.diagnosis?.details ?? {};
  const appName = x.appName ?? nameOfResource(x.appId ?? outcome.diagnosis?.resourceId) ?? 'the app';
  const rev = heal.revisionName ?? x.revisionName;
  const mode = outcome.mode ?? ctx.mode;
  let status: StatusColour;
  let text: string;
  let title: string;
  switch (heal.status) {
    case 'healed':
      status = 'good';
      title = `Healed · ${appName}`;
      text = `${appName} is running again${rev ? ` (revision ${rev})` : ''}: healed in ${heal.healedAfterMs !== undefined ? formatDurationMs(heal.healedAfterMs) : 'an unknown time'}${describeAttempts(heal.attempts)}.`;
      break;
    case 'still-failing':
      status = 'attention';
      title = `Still failing · ${appName}`;
      text = `${appName} still fails after the fix${rev ? ` (revision ${rev})` : ''}${heal.detail ? `: ${heal.detail}` : '.'}`;
      break;
    case 'pending':
      status = 'warning';
      title = `Heal check pending · ${appName}`;
      text = `The new revision of ${appName} is not running yet${heal.detail ? `: ${heal.detail}` : '.'}`;
      break;
    case 'awaiting-deployment':
      status = 'warning';
      title = `Awaiting your deployment · ${appName}`;
      text = `The fix for ${appName} is in place, but ARM refused the deployment before any revision existed: run your deployment again${heal.detail ? ` (${heal.detail})` : '.'}`;
      break;
    case 'not-checked':
      status = 'warning';
      title = `Heal not checked · ${appName}`;
      text = `Whether ${appName} recovered was not checked${heal.detail ? `: ${heal.detail}` : '.'}`;
      break;
    default: {
      const never: never = heal.status;
      throw new Error(`unexpected heal status ${String(never)}`);
    }
  }
  // Approve mode: "Approved by Ada Lovelace, healed after 2m 10s."
  if (outcome.approvedBy) text = `Approved by ${outcome.approvedBy}; ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  const facts: SummaryFact[] = [];
  pushFact(facts, 'App', appName);
  pushFact(facts, 'Approved by', outcome.approvedBy);
  pushFact(facts, 'Revision', rev);
  pushFact(
    facts,
    'Time to heal',
    heal.status === 'healed' && heal.healedAfterMs !== undefined ? formatDurationMs(heal.healedAfterMs) : undefined,
  );
  pushFact(facts, 'Redeploy attempts', heal.attempts !== undefined ? String(heal.attempts) : undefined);
  const details: SummaryFact[] = [];
  pushFact(details, 'Diagnosis', outcome.diagnosis?.kind);
  pushFact(details, 'App id', x.appId ?? outcome.diagnosis?.resourceId);
  pushFact(details, 'Mode', mode);
  const correlationId = outcome.correlationId ?? event?.correlationId;
  pushFact(details, 'Correlation id', correlationId);
  pushFact(details, 'Event id', outcome.eventId);
  const target = x.appId ?? outcome.diagnosis?.resourceId;
  const f: HealFollowUp = {
    type: 'heal',
    eventId: outcome.eventId,
    status,
    heal: heal.status,
    title,
    text,
    facts,
    details,
    links: target ? [{ title: 'Container app', url: buildPortalUrl(target, event?.tenantId) }] : [],
    mode,
    at: ctx.now.toISOString(),
  };
  if (correlationId) f.correlationId = correlationId;
  if (x.appName ?? x.appId) f.appName = appName;
  if (rev) f.revisionName = rev;
  return f;
}
