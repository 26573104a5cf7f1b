/**
 * Words for people (pure): full ARM ids become the names people know, known principal and role GUIDs become names,
 * and a diagnosis's manual step (often an `az` command, src/diagnose/rules/az-commands.ts) becomes one sentence plus
 * the command to copy. Messages show the sentences; the ids and commands go behind a toggle.
 */
import { roleNameByGuid } from '../azure/roles';
import type { ActionType, Outcome } from '../model';
import { describeScope, nameOfResource } from './wording';

/** A full ARM id (subscription and below). Segments stop at spaces, quotes, commas, semicolons, pipes, brackets. */
const ARM_ID = /\/subscriptions\/[0-9a-fA-F-]{36}(?:\/[^\s/"'`,;|()<>\]]+)*/g;
const GUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;

/** Principal and role GUIDs (lower case) → the names people know them by. */
export type Aliases = ReadonlyMap<string, string>;

/** Does the text hold a full ARM id? */
export function hasArmId(text: string): boolean {
  return new RegExp(ARM_ID.source).test(text);
}

/** The short name of an ARM id: "subscription S", "resource group G", or the resource's own name. */
export function shortenArmId(id: string): string {
  const clean = id.replace(/\.$/, '');
  const m = /\/providers\/Microsoft\.Authorization\/(role|deny)Assignments\/([^/]+)$/i.exec(clean);
  if (m) return `${m[1]?.toLowerCase() === 'deny' ? 'deny' : 'role'} assignment ${shortGuid(m[2] ?? '')}`;
  return describeScope(clean);
}

/** A caller's name, unless it is only an object id (Activity Log alerts put the GUID in `caller`). */
export function asName(text: string | undefined): string | undefined {
  return text && !new RegExp(`^${GUID.source}$`).test(text.trim()) ? text : undefined;
}

/** "9f8e7d6c…" for a GUID; anything else unchanged. */
export function shortGuid(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(id) ? `${id.slice(0, 8)}…` : id;
}

/** The names a message can use for the GUIDs of one outcome: the pulling identity, the caller, the roles. */
export function buildAliases(outcome: Outcome, callerText?: string): Map<string, string> {
  const callerName = asName(callerText);
  const aliases = new Map<string, string>();
  const x = outcome.diagnosis?.details;
  const id = x?.identity;
  if (id?.principalId)
    aliases.set(
      id.principalId.toLowerCase(),
      id.kind === 'system'
        ? 'the system-assigned identity'
        : `identity ${nameOfResource(id.resourceId) ?? id.principalId}`,
    );
  if (x?.callerPrincipalId)
    aliases.set(x.callerPrincipalId.toLowerCase(), callerName ?? `caller ${shortGuid(x.callerPrincipalId)}`);
  if (x?.recommendedRole)
    aliases.set(
      (nameOfResource(x.recommendedRole.roleDefinitionId) ?? x.recommendedRole.roleDefinitionId).toLowerCase(),
      x.recommendedRole.roleName,
    );
  for (const r of x?.rolesFound ?? []) {
    const guid = (nameOfResource(r.roleDefinitionId) ?? r.roleDefinitionId).toLowerCase();
    if (r.roleName) aliases.set(guid, r.roleName);
  }
  for (const a of outcome.actions ?? []) {
    if (!a.roleDefinitionId) continue;
    const guid = (nameOfResource(a.roleDefinitionId) ?? a.roleDefinitionId).toLowerCase();
    const name = roleNameByGuid(guid);
    if (name) aliases.set(guid, name);
  }
  return aliases;
}

/** The name of a principal for people: its alias, else "principal <guid>". */
export function describePrincipal(principalId: string | undefined, aliases: Aliases): string {
  if (!principalId) return 'the principal';
  return aliases.get(principalId.toLowerCase()) ?? `principal ${principalId}`;
}

/**
 * A sentence for people: parenthesised ARM ids and GUIDs after a name are dropped, other ARM ids become short names,
 * known GUIDs become names ("identity web-pull", "AcrPull").
 */
export function wordsForPeople(text: string, aliases: Aliases = new Map()): string {
  const out = text
    .replace(new RegExp(`\\s*\\((?:at |principal |object id )?${ARM_ID.source}\\)`, 'g'), '')
    .replace(new RegExp(`\\s*\\((?:principal |object id )?${GUID.source}\\)`, 'g'), '')
    .replace(ARM_ID, (id) => {
      const dot = id.endsWith('.') ? '.' : '';
      return shortenArmId(id) + dot;
    })
    .replace(GUID, (g) => aliases.get(g.toLowerCase()) ?? g)
    .replace(/\b(?:Principal|principal) (identity |the system-assigned identity)/g, '$1')
    .replace(/\bidentity (identity |the system-assigned identity)/g, '$1')
    .replace(/\b(?:Principal|principal) (caller )/g, '$1')
    .replace(/\b[Aa]ssignment ((?:role|deny) assignment )/g, '$1')
    .replace(/\s{2,}/g, ' ');
  return /^[A-Z]/.test(text) ? out.charAt(0).toUpperCase() + out.slice(1) : out;
}

/** One manual step as people read it: a sentence, the command to copy (if any), the fix type it would do. */
export interface PersonStep {
  text: string;
  command?: string;
  fixType?: ActionType;
}

function flag(command: string, name: string): string | undefined {
  const m = new RegExp(`${name}\\s+(?:"([^"]*)"|(\\S+))`).exec(command);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** Turn a diagnosis's manual step into a sentence (+ command). Knows the shapes of az-commands.ts. */
export function describeStep(step: string, aliases: Aliases = new Map()): PersonStep {
  const m = /^(?:(.*?):\s+)?(az\s.+)$/s.exec(step.trim());
  if (!m) return { text: wordsForPeople(step, aliases).replace(/[.:]$/, '') };
  const prose = m[1];
  const command = (m[2] as string).trim();
  const bare = command.replace(/\s+#.*$/, '');
  const app = flag(bare, '(?:--name|-n)');
  let text: string | undefined;
  let fixType: ActionType | undefined;
  if (/^az role assignment create\b/.test(bare)) {
    const role = flag(bare, '--role') ?? 'the role';
    const who = describePrincipal(flag(bare, '--assignee-object-id') ?? flag(bare, '--assignee'), aliases);
    const scope = flag(bare, '--scope');
    text = `Assign ${role} to ${who}${scope ? ` on ${shortenArmId(scope)}` : ''}`;
    fixType = 'assign-role';
  } else if (/^az containerapp update\b/.test(bare) && /--revision-suffix/.test(bare)) {
    text = `Start a new revision of ${app ?? 'the app'}`;
    fixType = 'redeploy-revision';
  } else if (/^az containerapp job start\b/.test(bare)) {
    text = `Start job ${flag(bare, '--name') ?? ''} once it carries the image (it runs your workload)`;
    fixType = 'start-job-execution';
  } else if (/^az acr config authentication-as-arm update\b/.test(bare)) {
    text = `Enable authentication-as-arm on registry ${flag(bare, '--registry') ?? ''}, if your policy allows it`;
    fixType = 'enable-arm-token-auth';
  } else if (/^az containerapp identity assign\b/.test(bare)) {
    const ua = flag(bare, '--user-assigned');
    text = `Attach ${ua ? `identity ${nameOfResource(ua) ?? ua}` : 'a system-assigned identity'} to ${app ?? 'the app'}`;
  } else if (/^az containerapp registry set\b/.test(bare)) {
    text = `Give ${app ?? 'the app'} an identity for ${flag(bare, '--server') ?? 'the registry'}`;
  }
  const sentence = prose ? wordsForPeople(prose, aliases) : (text ?? 'Run the command in the details');
  return { text: sentence.replace(/[.:]$/, ''), command, ...(fixType ? { fixType } : {}) };
}
