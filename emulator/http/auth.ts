/**
 * Who is calling and may they: bearer-token authentication (any token; a JWT's claims are used), and, with
 * `enforceRbac`, ARM's authorization check of the caller's own role on every write (403 AuthorizationFailed).
 */
import { lastSegment, resourceTypeOf } from '../ids';
import type { EmulatorState } from '../state';
import { obj, str } from '../values';
import { errorReply, HttpError, type Reply, type RequestContext } from './context';
import type { ArmEvents } from './events';

/** Object id the emulator attributes writes to when the bearer token is not a decodable JWT. */
export const DEFAULT_CALLER_OBJECT_ID = 'e7c0a1b2-3d4e-4f50-8a6b-7c8d9e0f1a2b';

const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TID_CLAIM = 'http://schemas.microsoft.com/identity/claims/tenantid';

/** Does the request carry `Authorization: Bearer …`? (Any token is accepted.) */
export function hasBearer(authorization: string | undefined): authorization is string {
  return authorization !== undefined && /^Bearer\s+\S+/i.test(authorization);
}

/** The answer to a request without a bearer token: 401 AuthenticationFailed. */
export function unauthenticated(): Reply {
  return errorReply(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", {
    'www-authenticate':
      'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
  });
}

/** The token's claims (a JWT's payload), or those of an app token of `defaultCaller` when it is not a JWT. */
export function claimsOf(authorization: string, tenantId: string, defaultCaller: string): Record<string, string> {
  return (
    decodeClaims(authorization) ?? {
      aud: 'https://management.core.windows.net/',
      iss: `https://sts.windows.net/${tenantId}/`,
      appid: 'a1b2c3d4-0000-4000-8000-00000000e001',
      idtyp: 'app',
      [OID_CLAIM]: defaultCaller,
      [TID_CLAIM]: tenantId,
    }
  );
}

export function callerOf(claims: Record<string, string>, defaultCaller: string): string {
  return claims[OID_CLAIM] ?? claims['oid'] ?? defaultCaller;
}

function decodeClaims(authorization: string): Record<string, string> | undefined {
  const token = authorization.replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (out['oid']) out[OID_CLAIM] ??= out['oid'];
    if (out['tid']) out[TID_CLAIM] ??= out['tid'];
    return out;
  } catch {
    return undefined;
  }
}

/** With enforceRbac: 403 AuthorizationFailed (and a Failed Activity Log entry) unless the caller may do this write. */
export function checkCaller(ctx: RequestContext, state: EmulatorState, events: ArmEvents): void {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return;
  // A Resource Graph query is a read (POST only to carry the query); it answers what the caller may read.
  if (/^\/providers\/microsoft\.resourcegraph\/resources$/i.test(ctx.path)) return;
  const action = guessAction(ctx.method, ctx.path);
  let roleGuid: string | undefined;
  if (/\/providers\/microsoft\.authorization\/roleassignments\/[^/]+$/i.test(ctx.path)) {
    roleGuid =
      ctx.method === 'DELETE'
        ? lastSegment(str(obj(state.get(ctx.path)?.properties)['roleDefinitionId']) ?? '')
        : lastSegment(str(obj(ctx.body['properties'])['roleDefinitionId']) ?? '');
  }
  const oid = ctx.caller;
  const decision = state.rbac.callerDecision(oid, action, ctx.path, roleGuid);
  if (decision.ok) return;
  ctx.write = true;
  const deny = decision.denyAssignment;
  const message =
    decision.reason === 'deny'
      ? `The client '${oid}' with object id '${oid}' has permission to perform action '${action}' on scope '${ctx.path}'; however, the access is denied because of the deny assignment with name '${str(obj(deny?.properties)['denyAssignmentName']) ?? deny?.name ?? ''}' and Id '${deny?.name ?? ''}' at scope '${str(obj(deny?.properties)['scope']) ?? ''}'.`
      : notAuthorizedMessage(oid, action, ctx.path);
  const code = 'AuthorizationFailed';
  events.recordActivity(ctx, ctx.path, action, false, { code, message }, 'Forbidden');
  throw new HttpError(403, code, message);
}

export function notAuthorizedMessage(oid: string, action: string, scope: string): string {
  return `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
}

/** The RBAC action ARM would check for a request: `{type}/read|write|delete|{verb}/action`. */
export function guessAction(method: string, path: string): string {
  const restart = /\/revisions\/[^/]+\/(\w+)$/i.exec(path);
  if (method === 'POST' && restart) return `Microsoft.App/containerApps/revisions/${restart[1]}/action`;
  const type = resourceTypeOf(path);
  return `${type}/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write'}`;
}
