/**
 * Builders of the notification model (pure): what failed, why, the evidence, what was (or would be) done, what a
 * person must still do, where to look. Built from an Outcome; rendered by the channels. No I/O, no clock (time comes in).
 */
import { KINDS } from '../kinds';
import type { FailureEvent, HealResult, Outcome } from '../model';
import { formatDurationMs } from './durations';
import type { HealFollowUp, StatusColour, Summary, SummaryContext, SummaryFact, SummaryLink } from './message-types';
import { buildPortalUrl } from './portal';
import { describeAction, describeIdentity, describeKind, describeScope, nameOfResource } from './wording';

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

function headlineOf(outcome: Outcome, event: FailureEvent | undefined): string {
  const d = outcome.diagnosis;
  if (!d)
    return `Event ${outcome.eventId} was ${outcome.status}${outcome.error ? `: ${outcome.error}` : outcome.reason ? `: ${outcome.reason}` : ''}.`;
  const x = d.details;
  if (KINDS[d.kind].family === 'arm-authz') {
    const caller = event?.caller?.name ?? x.callerPrincipalId ?? event?.caller?.principalId ?? 'A caller';
    const action = x.deniedAction ?? event?.authorization?.action ?? 'an action';
    return `${caller} was denied ${action} on ${describeScope(x.deniedScope ?? event?.authorization?.scope ?? d.resourceId)}.`;
  }
  if (KINDS[d.kind].family === 'other') {
    const op = event?.operationName ? `${event.operationName} ` : '';
    return `${op}on ${nameOfResource(d.resourceId) ?? d.resourceId} failed.`;
  }
  const app = x.appName ?? nameOfResource(x.appId ?? d.resourceId) ?? 'the app';
  const rev = x.revisionName ? `Revision ${x.revisionName} of ${app}` : `Container app ${app}`;
  return `${rev} could not pull ${x.image ?? 'its image'}${x.loginServer && !x.image ? ` from ${x.loginServer}` : ''}.`;
}

function pushFact(facts: SummaryFact[], title: string, value: string | undefined): void {
  if (value !== undefined && value !== '') facts.push({ title, value });
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

  const facts: SummaryFact[] = [];
  pushFact(facts, 'App', appName);
  pushFact(facts, 'Revision', x.revisionName);
  pushFact(facts, 'Image', x.image);
  pushFact(
    facts,
    'Registry',
    x.registryId ? `${nameOfResource(x.registryId)}${x.loginServer ? ` (${x.loginServer})` : ''}` : x.loginServer,
  );
  pushFact(facts, 'Registry mode', x.roleAssignmentMode);
  pushFact(facts, 'Identity', describeIdentity(outcome));
  pushFact(
    facts,
    'Caller',
    x.callerPrincipalId
      ? `${event?.caller?.name ? `${event.caller.name} · ` : ''}${x.callerPrincipalId}${x.callerPrincipalType ? ` (${x.callerPrincipalType})` : ''}`
      : undefined,
  );
  pushFact(facts, 'Denied action', x.deniedAction);
  pushFact(facts, 'Denied scope', x.deniedScope);
  pushFact(facts, 'Takes effect at', x.effectiveAt);
  pushFact(facts, 'Diagnosis', d?.kind);
  pushFact(facts, 'Mode', mode);
  const correlationId = outcome.correlationId ?? event?.correlationId;
  pushFact(facts, 'Correlation id', correlationId);
  pushFact(facts, 'Event id', outcome.eventId);

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

  const actions = (outcome.actions ?? []).map((a) => ({ status: a.status, text: describeAction(a) }));
  const allManual = actions.length > 0 && actions.every((a) => a.status === 'manual');
  const actionsHeading = allManual
    ? 'Suggested changes'
    : mode === 'dry-run'
      ? 'What would be done (dry-run: nothing was changed)'
      : 'What was done';

  const manualSteps = [...(d?.manualSteps ?? [])];
  if (manualSteps.length === 0 && d && KINDS[d.kind].manual && actions.length === 0)
    manualSteps.push('Look at the evidence above; the remediator has no automatic fix for this failure.');

  const s: Summary = {
    type: 'summary',
    eventId: outcome.eventId,
    kind,
    status: statusOf(outcome),
    title: subject ? `${label} · ${subject}` : label,
    headline: headlineOf(outcome, event),
    why: d?.summary ?? outcome.error ?? outcome.reason ?? 'No diagnosis.',
    evidence: [...(d?.evidence ?? [])],
    actionsHeading,
    actions,
    manualSteps,
    facts,
    links,
    mode,
    at: ctx.now.toISOString(),
  };
  if (correlationId) s.correlationId = correlationId;
  const raw = x.provisioningError ?? (kind === 'unknown' ? x.rawMessage : undefined);
  if (raw) s.rawDetail = raw;
  if (appName) s.appName = appName;
  if (x.revisionName) s.revisionName = x.revisionName;
  return s;
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
      text = `${appName} is running again${rev ? ` (revision ${rev})` : ''}: healed in ${heal.healedAfterMs !== undefined ? formatDurationMs(heal.healedAfterMs) : 'an unknown time'}.`;
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
  const facts: SummaryFact[] = [];
  pushFact(facts, 'App', appName);
  pushFact(facts, 'Revision', rev);
  pushFact(facts, 'Diagnosis', outcome.diagnosis?.kind);
  pushFact(
    facts,
    'Time to heal',
    heal.status === 'healed' && heal.healedAfterMs !== undefined ? formatDurationMs(heal.healedAfterMs) : undefined,
  );
  pushFact(facts, 'Mode', mode);
  const correlationId = outcome.correlationId ?? event?.correlationId;
  pushFact(facts, 'Correlation id', correlationId);
  pushFact(facts, 'Event id', outcome.eventId);
  const target = x.appId ?? outcome.diagnosis?.resourceId;
  const f: HealFollowUp = {
    type: 'heal',
    eventId: outcome.eventId,
    status,
    heal: heal.status,
    title,
    text,
    facts,
    links: target ? [{ title: 'Container app', url: buildPortalUrl(target, event?.tenantId) }] : [],
    mode,
    at: ctx.now.toISOString(),
  };
  if (correlationId) f.correlationId = correlationId;
  if (x.appName ?? x.appId) f.appName = appName;
  if (rev) f.revisionName = rev;
  return f;
}
