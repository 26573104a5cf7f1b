/** Shared pieces of the intake doors: zod error wording, claims → caller, ARM id parts. Pure. */
import * as z from 'zod';
import type { FailureEvent, IntakeItem } from '../model';

export type RejectedItem = Extract<IntakeItem, { status: 'rejected' }>;

/** `data.resourceUri: expected string`, one clause per problem, field paths named. */
export function formatZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))]
        .filter((p) => p !== '')
        .join('.')
        .replace(/\.\[/g, '[');
      return `${path || '(root)'}: ${describeIssue(i)}`;
    })
    .join('; ');
}

function describeIssue(i: z.core.$ZodIssue): string {
  if (i.code === 'invalid_type') {
    const missing = /received undefined/.test(i.message);
    if (i.expected === 'nonoptional') return 'required, but it is missing';
    return missing ? `expected ${i.expected}, but it is missing` : `expected ${i.expected}`;
  }
  if (i.code === 'too_small' && i.origin === 'string') return 'must not be empty';
  return i.message;
}

export function rejectItem(error: string, eventId?: string): RejectedItem {
  return eventId === undefined ? { status: 'rejected', error } : { status: 'rejected', eventId, error };
}

/** A non-empty trimmed string. */
export const text = z.string().trim().min(1);

/**
 * An optional field as Azure really sends it: absent, or `null` (common-alert-schema samples and Event Grid events
 * carry `null` in optional places). `null` reads as absent, so only what is used is strict.
 */
export function optional<T extends z.ZodType>(schema: T): z.ZodPreprocess<z.ZodOptional<T>> {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/** Claims arrive as an object (Event Grid) or a JSON string (Activity Log alerts). */
export const claimsSchema = z.union([z.record(z.string(), z.unknown()), z.string()]);

/** Parse a claims value into a string map; a non-JSON string yields an error message. */
export function readClaims(value: unknown): { claims: Record<string, unknown> } | { error: string } {
  if (value === undefined || value === null || value === '') return { claims: {} };
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return { claims: parsed as Record<string, unknown> };
      return { error: 'expected a JSON object in a string' };
    } catch {
      return { error: 'expected a JSON object in a string, got malformed JSON' };
    }
  }
  if (typeof value === 'object' && !Array.isArray(value)) return { claims: value as Record<string, unknown> };
  return { error: 'expected an object or a JSON string' };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

const OID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TID = 'http://schemas.microsoft.com/identity/claims/tenantid';
const NAME_CLAIMS = [
  'name',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
  'upn',
  'unique_name',
];

/** `idtyp` / evidence principal type → ARM principalType. */
function normalisePrincipalType(evidenceType: string | undefined, idtyp: string | undefined): string | undefined {
  if (evidenceType) return evidenceType;
  if (!idtyp) return undefined;
  const t = idtyp.toLowerCase();
  if (t === 'app') return 'ServicePrincipal';
  if (t === 'user') return 'User';
  return idtyp;
}

/** The caller as far as the claims (and the authorization evidence) tell. */
export function readCaller(
  claims: Record<string, unknown>,
  evidencePrincipalType: string | undefined,
  callerText?: string,
): FailureEvent['caller'] | undefined {
  const caller: NonNullable<FailureEvent['caller']> = {};
  const principalId = str(claims[OID]) ?? str(claims['oid']);
  if (principalId) caller.principalId = principalId;
  const principalType = normalisePrincipalType(evidencePrincipalType, str(claims['idtyp']));
  if (principalType) caller.principalType = principalType;
  const name = NAME_CLAIMS.map((k) => str(claims[k])).find((v) => v !== undefined) ?? str(callerText);
  if (name) caller.name = name;
  const appId = str(claims['appid']) ?? str(claims['azp']);
  if (appId) caller.appId = appId;
  return Object.keys(caller).length > 0 ? caller : undefined;
}

export function readTenantFromClaims(claims: Record<string, unknown>): string | undefined {
  return str(claims[TID]) ?? str(claims['tid']);
}

/** Subscription and resource group named in an ARM id (case-insensitive `resourceGroups`). */
export function readIdParts(id: string): { subscriptionId?: string; resourceGroup?: string } {
  const out: { subscriptionId?: string; resourceGroup?: string } = {};
  const sub = /^\/subscriptions\/([^/]+)/i.exec(id);
  if (sub?.[1]) out.subscriptionId = sub[1];
  const rg = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)/i.exec(id);
  if (rg?.[1]) out.resourceGroup = rg[1];
  return out;
}

/** Copy only defined values (exactOptionalPropertyTypes). */
export function setDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
