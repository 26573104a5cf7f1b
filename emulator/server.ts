/**
 * The ARM emulator: a local Azure Resource Manager over HTTPS on 127.0.0.1 that the real @azure/arm-* SDK clients talk
 * to unmodified (endpoint + credential + tlsOptions.ca). State and semantics live in state.ts; this file is HTTP:
 * auth check, routing, long-running operations, Event Grid events, Activity Log, faults and the request log.
 */
import { rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorOptions, FaultRule, LroStyle, RaisedEvent, RequestLogEntry, RunningEmulator } from './api';
import { getTlsIdentity } from './cert';
import {
  deterministicGuid,
  isAtOrAbove,
  isGuid,
  keyOf,
  lastSegment,
  normalizePath,
  providerOf,
  resourceGroupOf,
  sameGuid,
  sameId,
  subscriptionOf,
} from './ids';
import {
  EmulatorState,
  NotFoundError,
  asArray,
  mergePatch,
  normalizeLocation,
  scopeOfExtension,
  type Resource,
} from './state';
import { validateWorld } from './world';

/** Object id the emulator attributes writes to when the bearer token is not a decodable JWT. */
export const DEFAULT_CALLER_OBJECT_ID = 'e7c0a1b2-3d4e-4f50-8a6b-7c8d9e0f1a2b';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  correlationId: string;
  claims: Record<string, string>;
  /** Set by handlers: whether this request changed (or tried to change) state. */
  write: boolean;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function notFound(id: string): HttpError {
  const rg = resourceGroupOf(id);
  const parts = normalizePath(id).split('/');
  const pi = parts.findIndex((p) => p.toLowerCase() === 'providers');
  const typeAndName = pi >= 0 ? parts.slice(pi + 1).join('/') : id;
  return new HttpError(
    404,
    'ResourceNotFound',
    `The Resource '${typeAndName}' under resource group '${rg ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function decodeClaims(authorization: string): Record<string, string> | undefined {
  const token = authorization.replace(/^Bearer\s+/i, '');
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
    if (out['oid']) out['http://schemas.microsoft.com/identity/claims/objectidentifier'] ??= out['oid'];
    if (out['tid']) out['http://schemas.microsoft.com/identity/claims/tenantid'] ??= out['tid'];
    return out;
  } catch {
    return undefined;
  }
}

export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const world = validateWorld(opts.world, 'world');
  const state = new EmulatorState(
    world,
    opts.propagationDelayMs !== undefined ? { propagationDelayMs: opts.propagationDelayMs } : {},
  );
  const tls = await getTlsIdentity();
  const requestLog: RequestLogEntry[] = [];
  let events: RaisedEvent[] = [];
  let faults: Array<{ rule: FaultRule; matched: number; applied: number }> = [];
  let latencyMs = opts.latencyMs ?? 0;
  const pageSize = opts.pageSize;
  let currentCtx: Ctx | undefined;
  let seq = 0;
  let endpoint = '';
  const sockets = new Set<Socket>();

  const tenantId = state.tenantId;

  function defaultClaims(): Record<string, string> {
    return {
      aud: 'https://management.core.windows.net/',
      iss: `https://sts.windows.net/${tenantId}/`,
      appid: 'a1b2c3d4-0000-4000-8000-00000000e001',
      idtyp: 'app',
      'http://schemas.microsoft.com/identity/claims/objectidentifier': defaultCaller,
      'http://schemas.microsoft.com/identity/claims/tenantid': tenantId,
    };
  }

  const defaultCaller = opts.callerPrincipalId ?? DEFAULT_CALLER_OBJECT_ID;

  function callerOid(ctx: Ctx): string {
    return (
      ctx.claims['http://schemas.microsoft.com/identity/claims/objectidentifier'] ?? ctx.claims['oid'] ?? defaultCaller
    );
  }

  /** With enforceRbac: 403 AuthorizationFailed (and a Failed Activity Log entry) unless the caller may do this write. */
  function checkCaller(ctx: Ctx): void {
    if (!opts.enforceRbac || ctx.method === 'GET' || ctx.method === 'HEAD') return;
    const action = guessAction(ctx.method, ctx.path);
    let roleGuid: string | undefined;
    if (/\/providers\/microsoft\.authorization\/roleassignments\/[^/]+$/i.test(ctx.path)) {
      roleGuid =
        ctx.method === 'DELETE'
          ? lastSegment(str(obj(state.get(ctx.path)?.properties)['roleDefinitionId']) ?? '')
          : lastSegment(str(obj(ctx.body['properties'])['roleDefinitionId']) ?? '');
    }
    const oid = callerOid(ctx);
    const decision = state.callerDecision(oid, action, ctx.path, roleGuid);
    if (decision.ok) return;
    ctx.write = true;
    const message =
      decision.reason === 'deny'
        ? `The client '${oid}' with object id '${oid}' has permission to perform action '${action}' on scope '${ctx.path}'; however, the access is denied because of the deny assignment with name '${str(obj(decision.denyAssignment?.properties)['denyAssignmentName']) ?? decision.denyAssignment?.name ?? ''}' and Id '${decision.denyAssignment?.name ?? ''}' at scope '${str(obj(decision.denyAssignment?.properties)['scope']) ?? ''}'.`
        : `The client '${oid}' with object id '${oid}' does not have authorization to perform action '${action}' over scope '${ctx.path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`;
    const code = 'AuthorizationFailed';
    recordActivity(ctx, ctx.path, action, false, { code, message }, 'Forbidden');
    throw new HttpError(403, code, message);
  }

  // ---- events and activity log ---------------------------------------------------------------------------------

  function raise(
    ctx: Ctx,
    kind: 'Write' | 'Delete' | 'Action',
    ok: boolean,
    resourceUri: string,
    operationName: string,
    error?: { code: string; message: string },
  ): void {
    const n = state.nextCounter();
    const now = state.nowIso();
    const sub = subscriptionOf(resourceUri) ?? state.subscriptionIds()[0] ?? '00000000-0000-0000-0000-000000000000';
    const oid = callerOid(ctx);
    const evidence = findEvidence(oid, operationName, resourceUri);
    const data: Record<string, unknown> = {
      authorization: { scope: resourceUri, action: operationName, ...(evidence ? { evidence } : {}) },
      claims: ctx.claims,
      correlationId: ctx.correlationId,
      httpRequest: {
        clientRequestId: str(ctx.headers['x-ms-client-request-id']) ?? deterministicGuid('client-request', String(n)),
        clientIpAddress: '127.0.0.1',
        method: ctx.method,
        url: `https://management.azure.com${ctx.path}${ctx.query.toString() ? `?${ctx.query.toString()}` : ''}`,
      },
      resourceProvider: providerOf(resourceUri) ?? 'Microsoft.Resources',
      resourceUri,
      operationName,
      status: ok ? 'Succeeded' : 'Failed',
      subscriptionId: sub,
      tenantId,
      ...(resourceGroupOf(resourceUri) ? { resourceGroup: resourceGroupOf(resourceUri) } : {}),
    };
    events.push({
      id: deterministicGuid('event', String(n)),
      topic: `/subscriptions/${sub}`,
      subject: resourceUri,
      eventType: `Microsoft.Resources.Resource${kind}${ok ? 'Success' : 'Failure'}`,
      eventTime: now,
      dataVersion: '2',
      metadataVersion: '1',
      data,
    });
    recordActivity(ctx, resourceUri, operationName, ok, error, 'BadRequest', n, evidence);
  }

  function recordActivity(
    ctx: Ctx,
    resourceUri: string,
    operationName: string,
    ok: boolean,
    error: { code: string; message: string } | undefined,
    failureStatus: string,
    counter = state.nextCounter(),
    evidence?: Record<string, unknown>,
  ): void {
    const n = counter;
    const now = state.nowIso();
    const sub = subscriptionOf(resourceUri) ?? state.subscriptionIds()[0] ?? '00000000-0000-0000-0000-000000000000';
    const oid = callerOid(ctx);
    state.activityLog.push({
      authorization: { action: operationName, scope: resourceUri, ...(evidence ? { evidence } : {}) },
      caller: oid,
      channels: 'Operation',
      claims: ctx.claims,
      correlationId: ctx.correlationId,
      description: '',
      eventDataId: deterministicGuid('activity', String(n)),
      eventName: { value: 'EndRequest', localizedValue: 'End request' },
      category: { value: 'Administrative', localizedValue: 'Administrative' },
      id: `${resourceUri}/events/${deterministicGuid('activity', String(n))}/ticks/${Date.parse(now) * 10000}`,
      level: ok ? 'Informational' : 'Error',
      resourceGroupName: resourceGroupOf(resourceUri) ?? '',
      resourceProviderName: {
        value: providerOf(resourceUri) ?? 'Microsoft.Resources',
        localizedValue: providerOf(resourceUri) ?? 'Microsoft.Resources',
      },
      resourceId: resourceUri,
      resourceType: { value: resourceTypeOf(resourceUri), localizedValue: resourceTypeOf(resourceUri) },
      operationId: deterministicGuid('operation', String(n)),
      operationName: { value: operationName, localizedValue: operationName },
      properties: ok
        ? { statusCode: 'OK' }
        : {
            statusCode: failureStatus,
            statusMessage: JSON.stringify({ error: error ?? { code: 'Failed', message: 'The operation failed.' } }),
          },
      status: { value: ok ? 'Succeeded' : 'Failed', localizedValue: ok ? 'Succeeded' : 'Failed' },
      subStatus: {
        value: ok ? 'OK' : failureStatus,
        localizedValue: ok
          ? 'OK (HTTP Status Code: 200)'
          : failureStatus === 'Forbidden'
            ? 'Forbidden (HTTP Status Code: 403)'
            : 'Bad Request (HTTP Status Code: 400)',
      },
      eventTimestamp: now,
      submissionTimestamp: now,
      subscriptionId: sub,
      tenantId,
    });
  }

  function findEvidence(oid: string, action: string, scope: string): Record<string, unknown> | undefined {
    const ra = state.grantingAssignments(oid, action, scope, false)[0];
    if (!ra) return undefined;
    const p = obj(ra.properties);
    const def = state.roleDefinition(str(p['roleDefinitionId']) ?? '');
    return {
      role: str(obj(def?.properties)['roleName']) ?? '',
      roleAssignmentScope: state.assignmentScope(ra),
      roleAssignmentId: (ra.name ?? lastSegment(ra.id)).replace(/-/g, ''),
      roleDefinitionId: lastSegment(str(p['roleDefinitionId']) ?? '').replace(/-/g, ''),
      principalId: oid.replace(/-/g, ''),
      principalType: str(p['principalType']) ?? 'ServicePrincipal',
    };
  }

  // ---- long-running operations ---------------------------------------------------------------------------------

  function startLro(
    ctx: Ctx,
    resourceId: string,
    error: { code: string; message: string } | undefined,
    initial: Reply,
  ): Reply {
    const opId = deterministicGuid('lro', keyOf(resourceId), String(state.nextCounter()));
    const headerStyle = str(ctx.headers['x-emulator-lro-style']);
    const style: LroStyle =
      headerStyle === 'location' || headerStyle === 'azure-async-operation'
        ? headerStyle
        : state.lroStyleFor(resourceId);
    const now = state.nowIso();
    state.operations.set(opId, {
      id: opId,
      resourceId,
      status: error ? 'Failed' : 'Succeeded',
      ...(error ? { error, failureStatus: 400 } : {}),
      startTime: now,
      endTime: now,
      style,
    });
    const sub = subscriptionOf(resourceId) ?? 'none';
    const ns = providerOf(resourceId) ?? 'Microsoft.Resources';
    const loc = normalizeLocation(str(state.get(resourceId)?.['location']) ?? 'westeurope');
    const apiVersion = ctx.query.get('api-version') ?? '';
    const base = `${endpoint}/subscriptions/${sub}/providers/${ns}/locations/${loc}`;
    const headers: Record<string, string> = { 'retry-after': '0' };
    if (style === 'azure-async-operation') {
      headers['azure-asyncoperation'] = `${base}/operationStatuses/${opId}?api-version=${apiVersion}`;
      headers['location'] = `${base}/operationResults/${opId}?api-version=${apiVersion}`;
    } else {
      headers['location'] = `${base}/operationResults/${opId}?api-version=${apiVersion}`;
    }
    return { ...initial, headers: { ...initial.headers, ...headers } };
  }

  function pollOperation(kind: string, opId: string): Reply {
    const op = state.operations.get(opId.toLowerCase()) ?? state.operations.get(opId);
    if (!op) throw new HttpError(404, 'OperationNotFound', `The operation '${opId}' could not be found.`);
    if (kind === 'operationstatuses') {
      return {
        status: 200,
        body: {
          id: `${normalizePath('/')}${opId}`,
          name: op.id,
          status: op.status,
          startTime: op.startTime,
          endTime: op.endTime,
          ...(op.error ? { error: op.error } : {}),
        },
      };
    }
    // Location style: 200 + the final resource, or the error status with the ARM error body.
    if (op.status === 'Failed') return { status: op.failureStatus ?? 400, body: { error: op.error } };
    const res = state.get(op.resourceId);
    return res ? { status: 200, body: res } : { status: 204 };
  }

  // ---- handlers ------------------------------------------------------------------------------------------------

  /** A list answer; with `pageSize`, pages linked by `nextLink` (…&$skiptoken=N) as ARM does. */
  function listBody(value: unknown[]): Reply {
    const ctx = currentCtx;
    if (!pageSize || !ctx || value.length <= pageSize) return { status: 200, body: { value } };
    const skip = Math.max(0, Number(ctx.query.get('$skiptoken') ?? 0) || 0);
    const page = value.slice(skip, skip + pageSize);
    if (skip + pageSize >= value.length) return { status: 200, body: { value: page } };
    const next = new URLSearchParams(ctx.query);
    next.set('$skiptoken', String(skip + pageSize));
    return { status: 200, body: { value: page, nextLink: `${endpoint}${ctx.path}?${next.toString()}` } };
  }

  function handleRoleAssignments(ctx: Ctx, scope: string, name: string | undefined): Reply {
    if (name === undefined) {
      if (ctx.method !== 'GET')
        throw new HttpError(405, 'MethodNotAllowed', `The requested method ${ctx.method} is not allowed.`);
      const filter = ctx.query.get('$filter') ?? '';
      const principal =
        /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1] ?? /assignedTo\('([^']+)'\)/i.exec(filter)?.[1];
      const atScope = /atScope\(\)/i.test(filter);
      const value = state.roleAssignments().filter((ra) => {
        const s = state.assignmentScope(ra);
        const above = state.covers(s, scope);
        const below = isAtOrAbove(scope, s);
        if (atScope ? !above : !(above || below)) return false;
        return principal === undefined || sameGuid(str(obj(ra.properties)['principalId']), principal);
      });
      return listBody(value);
    }
    const id = `${scope === '/' ? '' : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const existing = state.get(id);
    if (ctx.method === 'GET') {
      if (!existing) throw new HttpError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
      return { status: 200, body: existing };
    }
    if (ctx.method === 'DELETE') {
      ctx.write = true;
      if (!existing) return { status: 204 };
      state.delete(id);
      raise(ctx, 'Delete', true, existing.id, 'Microsoft.Authorization/roleAssignments/delete');
      return { status: 200, body: existing };
    }
    if (ctx.method !== 'PUT')
      throw new HttpError(405, 'MethodNotAllowed', `The requested method ${ctx.method} is not allowed.`);
    ctx.write = true;
    const fail = (e: HttpError): never => {
      raise(ctx, 'Write', false, id, 'Microsoft.Authorization/roleAssignments/write', {
        code: e.code,
        message: e.message,
      });
      throw e;
    };
    if (!isGuid(name))
      fail(
        new HttpError(
          400,
          'InvalidRoleAssignmentId',
          `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
        ),
      );
    const props = obj(ctx.body['properties']);
    const roleDefinitionId = str(props['roleDefinitionId']);
    const principalId = str(props['principalId']);
    if (!roleDefinitionId || !principalId)
      fail(
        new HttpError(
          400,
          'InvalidRequestContent',
          `The request content was invalid: properties.roleDefinitionId and properties.principalId are required.`,
        ),
      );
    const def = state.roleDefinition(roleDefinitionId ?? '', scope);
    if (!def)
      fail(
        new HttpError(
          400,
          'RoleDefinitionDoesNotExist',
          `The specified role definition with ID '${lastSegment(roleDefinitionId ?? '')}' does not exist.`,
        ),
      );
    if (existing) {
      const ep = obj(existing.properties);
      if (
        sameGuid(str(ep['principalId']), principalId) &&
        sameGuid(lastSegment(str(ep['roleDefinitionId']) ?? ''), lastSegment(roleDefinitionId ?? ''))
      ) {
        raise(ctx, 'Write', true, existing.id, 'Microsoft.Authorization/roleAssignments/write');
        return { status: 200, body: existing };
      }
      fail(
        new HttpError(
          409,
          'RoleAssignmentUpdateNotPermitted',
          'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        ),
      );
    }
    const dup = state.roleAssignments().find((ra) => {
      const p = obj(ra.properties);
      return (
        sameId(state.assignmentScope(ra), scope) &&
        sameGuid(str(p['principalId']), principalId) &&
        sameGuid(lastSegment(str(p['roleDefinitionId']) ?? ''), lastSegment(roleDefinitionId ?? '')) &&
        (str(p['condition']) ?? '') === (str(props['condition']) ?? '')
      );
    });
    if (dup)
      fail(
        new HttpError(
          409,
          'RoleAssignmentExists',
          `The role assignment already exists. The ID of the existing role assignment is ${(dup.name ?? lastSegment(dup.id)).replace(/-/g, '')}.`,
        ),
      );
    const now = state.nowIso();
    const sub = subscriptionOf(scope);
    const created: Resource = {
      id,
      type: 'Microsoft.Authorization/roleAssignments',
      name,
      properties: {
        roleDefinitionId: sub
          ? `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${lastSegment(roleDefinitionId ?? '')}`
          : `/providers/Microsoft.Authorization/roleDefinitions/${lastSegment(roleDefinitionId ?? '')}`,
        principalId,
        principalType: str(props['principalType']) ?? 'ServicePrincipal',
        scope,
        ...(props['condition'] !== undefined
          ? { condition: props['condition'], conditionVersion: props['conditionVersion'] ?? '2.0' }
          : {}),
        ...(props['description'] !== undefined ? { description: props['description'] } : {}),
        createdOn: now,
        updatedOn: now,
        createdBy: callerOid(ctx),
        updatedBy: callerOid(ctx),
        delegatedManagedIdentityResourceId: null,
      },
    };
    state.put(created);
    raise(ctx, 'Write', true, id, 'Microsoft.Authorization/roleAssignments/write');
    return { status: 201, body: created };
  }

  function handleRoleDefinitions(ctx: Ctx, scope: string, name: string | undefined): Reply {
    if (ctx.method !== 'GET')
      throw new HttpError(405, 'MethodNotAllowed', `The requested method ${ctx.method} is not allowed.`);
    if (name !== undefined) {
      const def = state.roleDefinition(name, scope);
      if (!def)
        throw new HttpError(
          404,
          'RoleDefinitionDoesNotExist',
          `The specified role definition with ID '${name}' does not exist.`,
        );
      return { status: 200, body: def };
    }
    const filter = ctx.query.get('$filter') ?? '';
    const roleName = /roleName\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const type = /type\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const value = state.roleDefinitions(scope).filter((d) => {
      const p = obj(d.properties);
      if (roleName !== undefined && str(p['roleName'])?.toLowerCase() !== roleName.toLowerCase()) return false;
      if (type !== undefined && str(p['type'])?.toLowerCase() !== type.toLowerCase()) return false;
      return true;
    });
    return listBody(value);
  }

  function handleDenyAssignments(ctx: Ctx, scope: string, name: string | undefined): Reply {
    if (ctx.method !== 'GET')
      throw new HttpError(405, 'MethodNotAllowed', `The requested method ${ctx.method} is not allowed.`);
    if (name !== undefined) {
      const d = state.denyAssignments().find((x) => sameGuid(x.name ?? lastSegment(x.id), name));
      if (!d) throw new HttpError(404, 'DenyAssignmentNotFound', `The deny assignment '${name}' is not found.`);
      return { status: 200, body: d };
    }
    const filter = ctx.query.get('$filter') ?? '';
    const atScope = /atScope\(\)/i.test(filter);
    const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1];
    const value = state.denyAssignments().filter((d) => {
      const s = str(obj(d.properties)['scope']) ?? scopeOfExtension(d.id);
      const above = state.covers(s, scope);
      if (atScope ? !above : !(above || isAtOrAbove(scope, s))) return false;
      if (principal === undefined) return true;
      return asArray(obj(d.properties)['principals']).some(
        (p) =>
          sameGuid(str(obj(p)['id']), principal) || sameGuid(str(obj(p)['id']), '00000000-0000-0000-0000-000000000000'),
      );
    });
    return listBody(value);
  }

  function handleActivityLog(ctx: Ctx, subscriptionId: string): Reply {
    const filter = ctx.query.get('$filter') ?? '';
    const clauses = [...filter.matchAll(/(\w+)\s+(eq|ge|le|gt|lt)\s+'([^']*)'/gi)].map((m) => ({
      field: m[1] ?? '',
      op: (m[2] ?? '').toLowerCase(),
      value: m[3] ?? '',
    }));
    const fieldValue = (e: Record<string, unknown>, field: string): string | undefined => {
      const key =
        Object.keys(e).find((k) => k.toLowerCase() === field.toLowerCase()) ??
        (field.toLowerCase() === 'resourceuri'
          ? 'resourceId'
          : field.toLowerCase() === 'resourceprovider'
            ? 'resourceProviderName'
            : field);
      const v = e[key];
      return typeof v === 'string' ? v : str(obj(v)['value']);
    };
    const value = state.activityLog.filter((e) => {
      const sub = str(e['subscriptionId']);
      if (sub && sub.toLowerCase() !== subscriptionId.toLowerCase()) return false;
      return clauses.every(({ field, op, value: want }) => {
        const have = fieldValue(e, field);
        if (field.toLowerCase() === 'eventtimestamp') {
          const t = Date.parse(have ?? '');
          const w = Date.parse(want);
          if (Number.isNaN(t)) return false;
          return op === 'ge' ? t >= w : op === 'le' ? t <= w : op === 'gt' ? t > w : op === 'lt' ? t < w : t === w;
        }
        return have !== undefined && have.toLowerCase() === want.toLowerCase();
      });
    });
    return listBody(value);
  }

  function subscriptionBody(id: string): Record<string, unknown> {
    const custom = state.get(`/subscriptions/${id}`);
    return {
      id: `/subscriptions/${id}`,
      subscriptionId: id,
      tenantId,
      displayName:
        str(obj(custom?.properties)['displayName']) ?? str(custom?.['displayName']) ?? `Subscription ${id.slice(0, 8)}`,
      state: 'Enabled',
      subscriptionPolicies: {
        locationPlacementId: 'Public_2014-09-01',
        quotaId: 'PayAsYouGo_2014-09-01',
        spendingLimit: 'Off',
      },
      authorizationSource: 'RoleBased',
      managedByTenants: [],
      tags: {},
    };
  }

  function handleContainerAppWrite(ctx: Ctx, id: string): Reply {
    ctx.write = true;
    const mode = ctx.method === 'PATCH' ? 'patch' : 'put';
    let result: ReturnType<EmulatorState['writeContainerApp']>;
    try {
      result = state.writeContainerApp(id, ctx.body, mode);
    } catch (err) {
      if (err instanceof NotFoundError) throw notFound(id);
      throw err;
    }
    const error = result.error ? { code: 'ContainerAppOperationError', message: result.error } : undefined;
    raise(ctx, 'Write', !error, result.app.id, 'Microsoft.App/containerApps/write', error);
    const initial: Reply =
      mode === 'patch'
        ? { status: 202 }
        : {
            status: result.created ? 201 : 200,
            body: { ...result.app, properties: { ...obj(result.app.properties), provisioningState: 'InProgress' } },
          };
    return startLro(ctx, result.app.id, error, initial);
  }

  function handleRegistryWrite(ctx: Ctx, id: string): Reply {
    ctx.write = true;
    const existing = state.get(id);
    if (ctx.method === 'PATCH') {
      if (!existing) throw notFound(id);
      const { properties: bodyProps, ...rest } = ctx.body;
      const merged = mergePatch(existing, rest) as Resource;
      merged.properties = mergePatch(obj(existing.properties), obj(bodyProps));
      merged.id = existing.id;
      merged.type = existing.type;
      state.put(merged);
      raise(ctx, 'Write', true, existing.id, 'Microsoft.ContainerRegistry/registries/write');
      return startLro(ctx, existing.id, undefined, { status: 202 });
    }
    const created: Resource = {
      ...ctx.body,
      id: existing?.id ?? normalizePath(id),
      name: lastSegment(id),
      type: 'Microsoft.ContainerRegistry/registries',
    };
    created.properties = {
      provisioningState: 'Succeeded',
      ...obj(created.properties),
      loginServer: str(obj(created.properties)['loginServer']) ?? `${lastSegment(id).toLowerCase()}.azurecr.io`,
    };
    state.put(created);
    raise(ctx, 'Write', true, created.id, 'Microsoft.ContainerRegistry/registries/write');
    return startLro(ctx, created.id, undefined, { status: existing ? 200 : 201, body: created });
  }

  function listUnder(scope: string, type: string): Resource[] {
    return state.ofType(type).filter((r) => isAtOrAbove(scope, r.id) && !sameId(scope, r.id));
  }

  function route(ctx: Ctx): Reply {
    currentCtx = ctx;
    checkCaller(ctx);
    const path = ctx.path;
    const segs = path.split('/').filter(Boolean);
    const lower = segs.map((s) => s.toLowerCase());

    // operation status polls: /subscriptions/{s}/providers/{ns}/locations/{loc}/(operationStatuses|operationResults)/{id}
    if (
      lower.length === 8 &&
      lower[0] === 'subscriptions' &&
      lower[2] === 'providers' &&
      lower[4] === 'locations' &&
      (lower[6] === 'operationstatuses' || lower[6] === 'operationresults')
    ) {
      return pollOperation(lower[6], segs[7] ?? '');
    }

    // subscriptions
    if (path === '/subscriptions') return listBody(state.subscriptionIds().map(subscriptionBody));
    if (lower.length === 2 && lower[0] === 'subscriptions') {
      const sub = state.subscriptionIds().find((s) => s.toLowerCase() === lower[1]);
      if (!sub) throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${segs[1]}' could not be found.`);
      return { status: 200, body: subscriptionBody(sub) };
    }

    // Authorization extension resources at any scope
    const authz =
      /^(.*?)\/providers\/microsoft\.authorization\/(roleassignments|roledefinitions|denyassignments)(?:\/([^/]+))?$/i.exec(
        path,
      );
    if (authz) {
      const scope = normalizePath(authz[1] || '/');
      const kind = (authz[2] ?? '').toLowerCase();
      const name = authz[3];
      if (kind === 'roleassignments') return handleRoleAssignments(ctx, scope, name);
      if (kind === 'roledefinitions') return handleRoleDefinitions(ctx, scope, name);
      return handleDenyAssignments(ctx, scope, name);
    }

    // activity log
    const al = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.insights\/eventtypes\/management\/values$/i.exec(path);
    if (al) return handleActivityLog(ctx, al[1] ?? '');

    if (lower[0] !== 'subscriptions' || !segs[1])
      throw new HttpError(400, 'InvalidResourceId', `The resource id '${path}' is not valid.`);
    const sub = segs[1];
    if (!state.subscriptionIds().some((s) => s.toLowerCase() === sub.toLowerCase()))
      throw new HttpError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);

    // resource groups
    if (lower.length === 3 && lower[2] === 'resourcegroups') {
      return listBody(state.resourceGroups(sub).map((g) => rgBody(sub, g)));
    }
    if (lower.length === 4 && lower[2] === 'resourcegroups') {
      const g = state.resourceGroups(sub).find((x) => x.name.toLowerCase() === lower[3]);
      if (!g) throw new HttpError(404, 'ResourceGroupNotFound', `Resource group '${segs[3]}' could not be found.`);
      return { status: 200, body: rgBody(sub, g) };
    }
    if (
      lower[2] === 'resourcegroups' &&
      segs[3] &&
      !state.resourceGroups(sub).some((g) => g.name.toLowerCase() === lower[3])
    ) {
      if (!(ctx.method === 'PUT' && lower.length > 4))
        throw new HttpError(404, 'ResourceGroupNotFound', `Resource group '${segs[3]}' could not be found.`);
    }

    // restartRevision: …/containerApps/{app}/revisions/{rev}/restart
    const restart =
      /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.app\/containerapps\/[^/]+)\/revisions\/([^/]+)\/restart$/i.exec(
        path,
      );
    if (restart && ctx.method === 'POST') {
      ctx.write = true;
      const appId = restart[1] ?? '';
      const rev = restart[2] ?? '';
      let result: ReturnType<EmulatorState['restartRevision']>;
      try {
        result = state.restartRevision(appId, rev);
      } catch (err) {
        if (err instanceof NotFoundError) throw notFound(err.id);
        throw err;
      }
      raise(ctx, 'Action', true, result.revision.id, 'Microsoft.App/containerApps/revisions/restart/action');
      return { status: 200 };
    }

    // collections: {scope}/providers/{ns}/{type}  or nested  {resource}/{childType}
    const pIdx = lower.lastIndexOf('providers');
    const afterProviders = pIdx >= 0 ? segs.length - pIdx - 1 : -1;
    if (ctx.method === 'GET' && pIdx >= 0 && afterProviders === 2) {
      const scope = `/${segs.slice(0, pIdx).join('/')}`;
      return listBody(listUnder(scope, `${segs[pIdx + 1]}/${segs[pIdx + 2]}`));
    }
    if (ctx.method === 'GET' && pIdx >= 0 && afterProviders >= 4 && afterProviders % 2 === 0) {
      const parentId = `/${segs.slice(0, -1).join('/')}`;
      const parent = state.get(parentId);
      if (!parent) throw notFound(parentId);
      const childType = `${parent.type}/${segs[segs.length - 1]}`;
      return listBody(
        listUnder(parentId, childType).filter((r) =>
          sameId(normalizePath(r.id).split('/').slice(0, -2).join('/'), parentId),
        ),
      );
    }

    // single resources
    const existing = state.get(path);
    if (ctx.method === 'GET') {
      if (!existing) throw notFound(path);
      return { status: 200, body: existing };
    }
    const type = pIdx >= 0 ? `${segs[pIdx + 1]}/${segs[pIdx + 2]}`.toLowerCase() : '';
    if (
      (ctx.method === 'PUT' || ctx.method === 'PATCH') &&
      type === 'microsoft.app/containerapps' &&
      afterProviders === 3
    )
      return handleContainerAppWrite(ctx, path);
    if (
      (ctx.method === 'PUT' || ctx.method === 'PATCH') &&
      type === 'microsoft.containerregistry/registries' &&
      afterProviders === 3
    )
      return handleRegistryWrite(ctx, path);
    if (ctx.method === 'DELETE') {
      ctx.write = true;
      if (!existing) return { status: 204 };
      state.delete(path);
      raise(ctx, 'Delete', true, existing.id, `${existing.type}/delete`);
      return { status: 200 };
    }
    if (ctx.method === 'PUT' || ctx.method === 'PATCH') {
      ctx.write = true;
      const base = existing ?? {
        id: path,
        name: lastSegment(path),
        type: type
          ? `${segs[pIdx + 1]}/${segs
              .slice(pIdx + 2)
              .filter((_, i) => i % 2 === 0)
              .join('/')}`
          : 'Unknown',
      };
      const updated = (
        ctx.method === 'PATCH'
          ? mergePatch(base, ctx.body)
          : { ...ctx.body, id: base.id, name: base.name, type: base.type }
      ) as Resource;
      updated.id = base.id;
      updated.type = base.type;
      state.put(updated);
      raise(ctx, 'Write', true, updated.id, `${updated.type}/write`);
      return { status: existing ? 200 : 201, body: updated };
    }
    throw new HttpError(405, 'MethodNotAllowed', `The requested method ${ctx.method} is not allowed for ${path}.`);
  }

  function rgBody(sub: string, g: { name: string; location: string }): Record<string, unknown> {
    return {
      id: `/subscriptions/${sub}/resourceGroups/${g.name}`,
      name: g.name,
      type: 'Microsoft.Resources/resourceGroups',
      location: g.location,
      properties: { provisioningState: 'Succeeded' },
    };
  }

  // ---- faults --------------------------------------------------------------------------------------------------

  function pickFault(method: string, path: string): FaultRule | undefined {
    let chosen: FaultRule | undefined;
    for (const f of faults) {
      if (f.rule.method && f.rule.method.toUpperCase() !== method) continue;
      if (f.rule.path && !new RegExp(f.rule.path, 'i').test(path)) continue;
      f.matched += 1;
      const n = f.matched;
      if (chosen) continue;
      if (f.rule.onCall !== undefined && n !== f.rule.onCall) continue;
      if (f.rule.fromCall !== undefined && n < f.rule.fromCall) continue;
      if (f.rule.toCall !== undefined && n > f.rule.toCall) continue;
      if (f.rule.times !== undefined && f.applied >= f.rule.times) continue;
      f.applied += 1;
      chosen = f.rule;
    }
    return chosen;
  }

  // ---- HTTP plumbing -------------------------------------------------------------------------------------------

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const mySeq = ++seq;
    // Not `new URL(req.url, base)`: a `{scope}` path parameter makes the SDKs send `//subscriptions/…`, which URL
    // parsing would read as a host name.
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const search = qIndex < 0 ? '' : rawUrl.slice(qIndex);
    const url = { search, searchParams: new URLSearchParams(search) };
    const method = (req.method ?? 'GET').toUpperCase();
    const path = normalizePath(decodeURIComponent(qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex)));
    const isWriteMethod = method !== 'GET' && method !== 'HEAD';
    const requestId = deterministicGuid('request', String(mySeq));
    const correlationId =
      str(req.headers['x-ms-correlation-request-id']) ?? deterministicGuid('correlation', String(mySeq));
    const logEntry = (status: number, write: boolean): void => {
      requestLog.push({
        method,
        path,
        url: `${path}${url.search}`,
        status,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        seq: mySeq,
        write,
      });
    };

    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);

    const fault = pickFault(method, path);
    const delay = latencyMs + (fault?.kind === 'latency' ? (fault.ms ?? 100) : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (fault?.kind === 'drop') {
      logEntry(0, false);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'timeout') {
      logEntry(0, false);
      setTimeout(() => req.socket.destroy(), fault.ms ?? 1000).unref();
      return;
    }

    const send = (reply: Reply, write: boolean): void => {
      const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ms-request-id': requestId,
        'x-ms-correlation-request-id': correlationId,
        'x-ms-routing-request-id': `WESTEUROPE:${requestId}`,
        ...(reply.headers ?? {}),
      });
      res.end(body);
      logEntry(reply.status, write);
    };

    if (fault?.kind === 'throttle') {
      const after = fault.retryAfterSeconds ?? 1;
      send(
        {
          status: 429,
          headers: { 'retry-after': String(after) },
          body: {
            error: {
              code: 'TooManyRequests',
              message: `The request is being throttled as the limit has been reached for operation type - ${method}. Please retry after ${after} seconds.`,
            },
          },
        },
        false,
      );
      return;
    }
    if (fault?.kind === 'error') {
      const status = fault.status ?? 500;
      const defaults: Record<number, [string, string]> = {
        500: [
          'InternalServerError',
          `Encountered internal server error. Diagnostic information: timestamp '${state.nowIso()}'.`,
        ],
        502: ['BadGateway', 'The gateway did not receive a response from the service.'],
        503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'],
        504: ['GatewayTimeout', 'The gateway did not receive a response within the specified time period.'],
        403: [
          'AuthorizationFailed',
          `The client '${defaultCaller}' with object id '${defaultCaller}' does not have authorization to perform action '${guessAction(method, path)}' over scope '${path}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        ],
        409: ['Conflict', 'The request conflicts with the current state of the resource.'],
      };
      const [code, message] = defaults[status] ?? [`Http${status}`, `The request failed with status ${status}.`];
      send({ status, body: { error: { code: fault.code ?? code, message: fault.message ?? message } } }, false);
      return;
    }

    const auth = str(req.headers['authorization']);
    if (!auth || !/^Bearer\s+\S+/i.test(auth)) {
      send(
        {
          status: 401,
          headers: {
            'www-authenticate':
              'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
          },
          body: {
            error: {
              code: 'AuthenticationFailed',
              message: "Authentication failed. The 'Authorization' header is missing.",
            },
          },
        },
        false,
      );
      return;
    }
    if (!url.searchParams.get('api-version')) {
      send(
        {
          status: 400,
          body: {
            error: {
              code: 'MissingApiVersionParameter',
              message: 'The api-version query parameter (?api-version=) is required for all requests.',
            },
          },
        },
        false,
      );
      return;
    }
    let body: Record<string, unknown> = {};
    if (chunks.length > 0) {
      try {
        body = obj(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        send(
          {
            status: 400,
            body: {
              error: {
                code: 'InvalidRequestContent',
                message: 'The request content was invalid and could not be deserialized.',
              },
            },
          },
          isWriteMethod,
        );
        return;
      }
    }
    const ctx: Ctx = {
      method,
      path,
      query: url.searchParams,
      body,
      headers: req.headers,
      correlationId,
      claims: decodeClaims(auth) ?? defaultClaims(),
      write: false,
    };
    try {
      const reply = route(ctx);
      send(reply, ctx.write);
    } catch (err) {
      if (err instanceof HttpError)
        send(
          { status: err.status, body: { error: { code: err.code, message: err.message } } },
          ctx.write || isWriteMethod,
        );
      else
        send(
          {
            status: 500,
            body: { error: { code: 'InternalServerError', message: `Emulator error: ${(err as Error).message}` } },
          },
          ctx.write,
        );
    }
  }

  const server = https.createServer({ key: tls.key, cert: tls.cert, keepAlive: true }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(err) } }));
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  endpoint = `https://127.0.0.1:${port}`;
  const caPath = opts.caPath ?? join(tmpdir(), `arm-emulator-ca-${process.pid}-${port}.pem`);
  writeFileSync(caPath, tls.cert);
  const ownsCaFile = opts.caPath === undefined;

  return {
    endpoint,
    ca: tls.cert,
    caPath,
    port,
    clock: state.clock,
    requestLog,
    clearRequestLog: () => {
      requestLog.length = 0;
    },
    addFault: (rule) => {
      if (rule.path !== undefined) new RegExp(rule.path, 'i'); // fail fast on an invalid pattern
      faults.push({ rule, matched: 0, applied: 0 });
    },
    clearFaults: () => {
      faults = [];
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    drainEvents: () => {
      const out = events;
      events = [];
      return out;
    },
    snapshot: () => state.snapshot(),
    canPull: (principalId, image) => state.canPull(principalId, image),
    setLroStyle: (resourceId, style) => {
      state.lroStyles.set(keyOf(resourceId), style);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          if (ownsCaFile) rmSync(caPath, { force: true });
          resolve();
        });
      }),
  };
}

/** The RBAC action ARM would check for a request (for fault messages): `{type}/read|write|delete|{verb}/action`. */
function guessAction(method: string, path: string): string {
  const restart = /\/revisions\/[^/]+\/(\w+)$/i.exec(path);
  if (method === 'POST' && restart) return `Microsoft.App/containerApps/revisions/${restart[1]}/action`;
  const type = resourceTypeOf(path);
  return `${type}/${method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : method === 'POST' ? 'action' : 'write'}`;
}

function resourceTypeOf(id: string): string {
  const parts = normalizePath(id).split('/').filter(Boolean);
  const pi = parts.map((p) => p.toLowerCase()).lastIndexOf('providers');
  if (pi < 0) return parts.length >= 4 ? 'Microsoft.Resources/resourceGroups' : 'Microsoft.Resources/subscriptions';
  const rest = parts.slice(pi + 1);
  return [rest[0], ...rest.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}
