/**
 * Who is pressing the button. In Azure the approval route sits behind App Service authentication (Easy Auth,
 * Entra ID), which strips any client-sent `X-MS-CLIENT-PRINCIPAL` and sets its own: base64 of
 * `{"auth_typ":"aad","claims":[{"typ":"…","val":"…"}],"name_typ":"…","role_typ":"…"}`. Locally and in tests the
 * harness supplies the header. Pure.
 */

export interface Principal {
  /** Entra object id (the `oid` / objectidentifier claim), lower-cased. */
  objectId: string;
  /** A name for people (name, preferred_username or upn claim; else the object id). */
  name: string;
  /** Group object ids from the `groups` claims, lower-cased. */
  groups: string[];
}

const OID_TYPES = new Set(['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid']);
const NAME_TYPES = ['name', 'preferred_username', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decode the header; undefined when absent or not a principal with an object id. */
export function parseClientPrincipal(header: string | null | undefined): Principal | undefined {
  if (!header || header.length > 64 * 1024) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const claims = (v as { claims?: unknown }).claims;
  if (!Array.isArray(claims)) return undefined;
  const pairs: Array<{ typ: string; val: string }> = [];
  for (const c of claims as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const { typ, val } = c as { typ?: unknown; val?: unknown };
    if (typeof typ === 'string' && typeof val === 'string') pairs.push({ typ, val });
  }
  const objectId = pairs.find((c) => OID_TYPES.has(c.typ) && GUID.test(c.val))?.val.toLowerCase();
  if (!objectId) return undefined;
  const nameClaim = NAME_TYPES.map((t) => pairs.find((c) => c.typ === t)?.val).find((x) => x && x.trim() !== '');
  const groups = pairs.filter((c) => c.typ === 'groups' && GUID.test(c.val)).map((c) => c.val.toLowerCase());
  return { objectId, name: (nameClaim ?? objectId).slice(0, 200), groups };
}

/** The header value a harness (or Easy Auth) would send for a principal. */
export function encodeClientPrincipal(p: { objectId: string; name?: string; groups?: readonly string[] }): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: p.objectId },
    ...(p.name ? [{ typ: 'name', val: p.name }] : []),
    ...(p.groups ?? []).map((g) => ({ typ: 'groups', val: g })),
  ];
  const body = { auth_typ: 'aad', claims, name_typ: 'name', role_typ: 'roles' };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64');
}

/** Whether the principal (or one of its groups) is listed in REMEDIATOR_APPROVERS. */
export function isApprover(p: Principal, approvers: readonly string[]): boolean {
  const allowed = new Set(approvers.map((a) => a.toLowerCase()));
  return allowed.has(p.objectId) || p.groups.some((g) => allowed.has(g));
}
