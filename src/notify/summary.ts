/**
 * The notification model (pure): what failed, why, the evidence, what was (or would be) done, what a person must
 * still do, where to look. Built from an Outcome; rendered by teams.ts / slack.ts. No I/O, no clock (time comes in).
 */
import {
  ROLE_IDS,
  type Action,
  type ActionStatus,
  type DiagnosisKind,
  type FailureEvent,
  type HealResult,
  type Outcome,
  type RemediatorMode,
} from '../model';

/** Status colour shared by both channels: Teams container style / Slack emoji. */
export type StatusColour = 'good' | 'warning' | 'attention';

export interface SummaryFact {
  title: string;
  value: string;
}
export interface SummaryLink {
  title: string;
  url: string;
}
export interface SummaryAction {
  status: ActionStatus;
  text: string;
}

export interface Summary {
  type: 'summary';
  eventId: string;
  kind: DiagnosisKind | 'none';
  status: StatusColour;
  /** Short title, e.g. "Image pull failed: missing pull role · web". */
  title: string;
  /** What failed, one sentence. */
  headline: string;
  /** Why: the diagnosis in one sentence. */
  why: string;
  evidence: string[];
  /** Heading for `actions`, depends on the mode ("What was done" / "What would be done (dry-run)"). */
  actionsHeading: string;
  actions: SummaryAction[];
  /** What a person must still do. */
  manualSteps: string[];
  facts: SummaryFact[];
  /** First link is the primary "Open in portal" target. */
  links: SummaryLink[];
  mode: RemediatorMode;
  correlationId?: string;
  /** Raw error text (a revision's provisioningError, an unclassified message), shown in monospace. */
  rawDetail?: string;
  /** ISO time the summary was built. */
  at: string;
  /** Used for grouping and digests. */
  appName?: string;
  revisionName?: string;
}

export interface HealFollowUp {
  type: 'heal';
  eventId: string;
  status: StatusColour;
  heal: HealResult['status'];
  title: string;
  /** "healed in 2m 10s" or what still fails. */
  text: string;
  facts: SummaryFact[];
  links: SummaryLink[];
  mode: RemediatorMode;
  correlationId?: string;
  at: string;
  appName?: string;
  revisionName?: string;
}

export interface DigestWindow {
  start: string;
  end: string;
}

export interface Digest {
  type: 'digest';
  key: string;
  status: StatusColour;
  title: string;
  /** "14 more revisions of 3 apps failed for the same reason". */
  text: string;
  /** The reason, repeated from the first message. */
  why: string;
  count: number;
  apps: string[];
  revisions: number;
  window: DigestWindow;
  facts: SummaryFact[];
  links: SummaryLink[];
  mode: RemediatorMode;
}

export type NotificationMessage = Summary | HealFollowUp | Digest;

export interface SummaryContext {
  mode: RemediatorMode;
  now: Date;
}

const KIND_LABELS: Record<DiagnosisKind, string> = {
  'acr-pull/missing-role': 'Image pull failed: missing pull role',
  'acr-pull/abac-role-mismatch': 'Image pull failed: AcrPull not honoured in ABAC mode',
  'acr-pull/system-identity-on-create': 'Image pull failed: system identity on create',
  'acr-pull/arm-token-auth-disabled': 'Image pull failed: ARM-token authentication disabled',
  'acr-pull/role-propagating': 'Image pull failed: role still propagating',
  'acr-pull/identity-not-attached': 'Image pull failed: identity not attached',
  'acr-pull/no-registry-identity': 'Image pull failed: no registry identity',
  'acr-pull/image-not-found': 'Image pull failed: image not found',
  'acr-pull/network-blocked': 'Image pull failed: registry network blocked',
  'acr-pull/registry-not-found': 'Image pull failed: registry not found',
  'arm-authz/acr-pull-denied': 'Authorization failed: registry pull denied',
  'arm-authz/missing-role': 'Authorization failed: missing role',
  'arm-authz/wrong-scope': 'Authorization failed: role at the wrong scope',
  'arm-authz/deny-assignment': 'Authorization failed: deny assignment',
  'arm-authz/role-propagating': 'Authorization failed: role still propagating',
  unknown: 'Deployment failure (unclassified)',
  unrelated: 'Not a failure we look after',
};

/** Kinds where nothing automatic can help: a person must act. */
const MANUAL_KINDS: ReadonlySet<DiagnosisKind> = new Set<DiagnosisKind>([
  'acr-pull/identity-not-attached',
  'acr-pull/no-registry-identity',
  'acr-pull/image-not-found',
  'acr-pull/network-blocked',
  'acr-pull/registry-not-found',
  'arm-authz/missing-role',
  'arm-authz/wrong-scope',
  'arm-authz/deny-assignment',
  'unknown',
]);

const ROLE_NAMES: Record<string, string> = {
  [ROLE_IDS.acrPull]: 'AcrPull',
  [ROLE_IDS.repositoryReader]: 'Container Registry Repository Reader',
  [ROLE_IDS.rbacAdministrator]: 'Role Based Access Control Administrator',
};

/** The label used in titles for a kind. */
export function describeKind(kind: DiagnosisKind): string {
  return KIND_LABELS[kind];
}

/** Azure portal link for an ARM resource id; tenant optional. */
export function buildPortalUrl(resourceId: string, tenant?: string): string {
  const id = resourceId.startsWith('/') ? resourceId : `/${resourceId}`;
  return tenant
    ? `https://portal.azure.com/#@${encodeURIComponent(tenant)}/resource${id}`
    : `https://portal.azure.com/#resource${id}`;
}

/** "2m 10s", "45s", "1h 5m", "850ms". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return s > 0 ? `${m}m ${s}s` : `${m}m`;
  return `${s}s`;
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
  return ROLE_NAMES[guid] ?? fallbackName ?? `role ${guid}`;
}

function describeScope(scope: string | undefined): string {
  if (!scope) return 'its scope';
  const name = nameOfResource(scope);
  const segments = scope.split('/').filter((p) => p !== '');
  if (segments.length === 2 && segments[0]?.toLowerCase() === 'subscriptions') return `subscription ${name}`;
  if (segments.length === 4 && segments[2]?.toLowerCase() === 'resourcegroups') return `resource group ${name}`;
  return `${name}`;
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
      const never: never = a.type;
      what = String(never);
    }
  }
  const reason = a.reason ? ` (${a.reason})` : '';
  return `${STATUS_PREFIX[a.status]}: ${what}${reason}`;
}

function statusOf(outcome: Outcome): StatusColour {
  const kind = outcome.diagnosis?.kind;
  const actions = outcome.actions ?? [];
  if (!kind) return outcome.status === 'rejected' ? 'attention' : 'warning';
  if (actions.some((a) => a.status === 'failed')) return 'attention';
  if (outcome.heal?.status === 'still-failing') return 'attention';
  if (MANUAL_KINDS.has(kind)) return 'attention';
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
  if (d.kind.startsWith('arm-authz/')) {
    const caller = event?.caller?.name ?? x.callerPrincipalId ?? event?.caller?.principalId ?? 'A caller';
    const action = x.deniedAction ?? event?.authorization?.action ?? 'an action';
    return `${caller} was denied ${action} on ${describeScope(x.deniedScope ?? event?.authorization?.scope ?? d.resourceId)}.`;
  }
  if (d.kind === 'unknown' || d.kind === 'unrelated') {
    const op = event?.operationName ? `${event.operationName} ` : '';
    return `${op}on ${nameOfResource(d.resourceId) ?? d.resourceId} failed.`;
  }
  const app = x.appName ?? nameOfResource(x.appId ?? d.resourceId) ?? 'the app';
  const rev = x.revisionName ? `Revision ${x.revisionName} of ${app}` : `Container app ${app}`;
  return `${rev} could not pull ${x.image ?? 'its image'}${x.loginServer && !x.image ? ` from ${x.loginServer}` : ''}.`;
}

function describeIdentity(o: Outcome): string | undefined {
  const id = o.diagnosis?.details.identity;
  if (!id) return undefined;
  if (id.kind === 'system') return `system-assigned${id.principalId ? ` (principal ${id.principalId})` : ''}`;
  return `${nameOfResource(id.resourceId) ?? id.resourceId}${id.principalId ? ` (principal ${id.principalId})` : ''}`;
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
  const appName = x.appName ?? nameOfResource(x.appId);
  const subject = kind.startsWith('arm-authz/')
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
  if (kind.startsWith('arm-authz/')) addLink('Denied scope', x.deniedScope ?? d?.resourceId);
  addLink('Container app', x.appId ?? (kind.startsWith('acr-pull/') ? d?.resourceId : undefined));
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
  if (manualSteps.length === 0 && d && MANUAL_KINDS.has(d.kind) && actions.length === 0)
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

export interface DigestGroup {
  key: string;
  first: Summary | HealFollowUp;
  /** How many further events joined the group after the first message (with `includesFirst`: all events). */
  count: number;
  /** The first event was not told on its own (heals are told at the end of their window): count it in. */
  includesFirst?: boolean;
  /** Distinct app names among them. */
  apps: string[];
  /** Distinct revisions among them. */
  revisions: number;
  window: DigestWindow;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One message standing for every further event of a group within a window. */
export function buildDigest(group: DigestGroup): Digest {
  const first = group.first;
  const isHeal = first.type === 'heal';
  let text: string;
  const more = group.includesFirst ? '' : 'more ';
  if (group.revisions > 0) {
    const verb = isHeal
      ? first.heal === 'healed'
        ? group.includesFirst
          ? 'healed'
          : 'healed the same way'
        : 'had the same heal result'
      : 'failed for the same reason';
    text = `${plural(group.revisions, `${more}revision`, `${more}revisions`)} of ${plural(Math.max(group.apps.length, 1), 'app', 'apps')} ${verb}`;
  } else {
    text = `${plural(group.count, `${more}event`, `${more}events`)} ${isHeal ? 'had the same heal result' : 'had the same cause'}`;
  }
  const shownApps = group.apps.slice(0, 20);
  const facts: SummaryFact[] = [
    { title: group.includesFirst ? 'Events' : 'More events', value: String(group.count) },
    { title: 'Window', value: `${group.window.start} – ${group.window.end}` },
  ];
  if (group.revisions > 0) facts.push({ title: 'Revisions', value: String(group.revisions) });
  if (shownApps.length > 0)
    facts.push({
      title: 'Apps',
      value: shownApps.join(', ') + (group.apps.length > shownApps.length ? `, … (${group.apps.length} in all)` : ''),
    });
  facts.push({ title: 'First message', value: first.title });
  facts.push({ title: 'Mode', value: first.mode });
  return {
    type: 'digest',
    key: group.key,
    // More failures are never "good" news: only the first one's fix is known here.
    status: isHeal ? first.status : first.status === 'attention' ? 'attention' : 'warning',
    title: `${isHeal ? 'Heal digest' : 'Digest'} · ${first.title}`,
    text: `${text}.`,
    why: first.type === 'summary' ? first.why : first.text,
    count: group.count,
    apps: [...group.apps],
    revisions: group.revisions,
    window: { ...group.window },
    facts,
    links: first.links.slice(0, 3),
    mode: first.mode,
  };
}

/**
 * The storm group of an outcome: events sharing a cause share a key.
 * acr-pull: kind + identity principal + registry; arm-authz: kind + caller + scope; otherwise kind + resource.
 */
const PULL_ROLE_KINDS: ReadonlySet<string> = new Set([
  'acr-pull/missing-role',
  'acr-pull/abac-role-mismatch',
  'acr-pull/system-identity-on-create',
  'acr-pull/role-propagating',
  'arm-authz/acr-pull-denied',
]);

export function buildGroupKey(outcome: Outcome, event: FailureEvent | undefined): string {
  const d = outcome.diagnosis;
  if (!d) return ['none', outcome.status, outcome.eventId].join('|').toLowerCase();
  const x = d.details;
  if (d.kind.startsWith('arm-authz/') && d.kind !== 'arm-authz/acr-pull-denied') {
    return [
      d.kind,
      x.callerPrincipalId ?? event?.caller?.principalId ?? '',
      x.deniedScope ?? event?.authorization?.scope ?? d.resourceId,
    ]
      .join('|')
      .toLowerCase();
  }
  if (d.kind.startsWith('acr-pull/') || d.kind === 'arm-authz/acr-pull-denied') {
    // One missing pull role, however it shows: once the first fix lands, later events of the same storm are
    // diagnosed role-propagating; they are the same story, not a new one.
    const family = PULL_ROLE_KINDS.has(d.kind) ? 'acr-pull/pull-role' : d.kind;
    const identity = x.identity
      ? (x.identity.principalId ??
        (x.identity.kind === 'user-assigned' ? x.identity.resourceId : `system:${x.appId ?? d.resourceId}`))
      : (x.callerPrincipalId ?? 'no-identity');
    const registry = x.registryId ?? x.loginServer ?? x.deniedScope ?? '';
    const extra = d.kind === 'acr-pull/image-not-found' ? (x.image ?? '') : '';
    return [family, identity, registry, extra].join('|').toLowerCase();
  }
  return [d.kind, d.resourceId].join('|').toLowerCase();
}
