/**
 * HTTP plumbing of one request: parse the URL (ids collapsed, case kept), read the body, apply faults and latency,
 * authenticate, require `api-version`, build the request context, route it, and answer with ARM's headers
 * (`x-ms-request-id`, `x-ms-correlation-request-id`) — logging every request, faulted ones included.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestLogEntry } from '../api';
import { deterministicGuid, normalizePath } from '../ids';
import type { Arm } from '../providers';
import { obj, str } from '../values';
import { callerOf, claimsOf, hasBearer, unauthenticated } from './auth';
import { errorReply, HttpError, type Reply, type RequestContext } from './context';
import { faultReply, type FaultInjector } from './faults';
import { route } from './router';

export interface HandlerDeps {
  arm: Arm;
  faults: FaultInjector;
  requestLog: RequestLogEntry[];
  /** Latency added to every request (ms), read per request (`setLatency`). */
  latencyMs: () => number;
  /** Caller of tokens that are not JWTs. */
  defaultCaller: string;
  enforceRbac: boolean;
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { arm, faults, requestLog, defaultCaller } = deps;
  let seq = 0;

  return async function handle(req, res) {
    const started = process.hrtime.bigint();
    const mySeq = ++seq;
    // Not `new URL(req.url, base)`: a `{scope}` path parameter makes the SDKs send `//subscriptions/…`, which URL
    // parsing would read as a host name.
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const search = qIndex < 0 ? '' : rawUrl.slice(qIndex);
    const searchParams = new URLSearchParams(search);
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
        url: `${path}${search}`,
        status,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        seq: mySeq,
        write,
      });
    };

    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);

    const fault = faults.pick(method, path);
    const delay = deps.latencyMs() + (fault?.kind === 'latency' ? (fault.ms ?? 100) : 0);
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

    const faulted = fault ? faultReply(fault, method, path, () => arm.state.nowIso(), defaultCaller) : undefined;
    if (faulted) return send(faulted, false);

    const auth = str(req.headers['authorization']);
    if (!hasBearer(auth)) return send(unauthenticated(), false);
    if (!searchParams.get('api-version'))
      return send(
        errorReply(
          400,
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        ),
        false,
      );
    let body: Record<string, unknown> = {};
    if (chunks.length > 0) {
      try {
        body = obj(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        const invalid = 'The request content was invalid and could not be deserialized.';
        return send(errorReply(400, 'InvalidRequestContent', invalid), isWriteMethod);
      }
    }
    const claims = claimsOf(auth, arm.state.tenantId, defaultCaller);
    const ctx: RequestContext = {
      method,
      path,
      query: searchParams,
      body,
      headers: req.headers,
      correlationId,
      claims,
      caller: callerOf(claims, defaultCaller),
      write: false,
    };
    try {
      send(route(ctx, arm, deps.enforceRbac), ctx.write);
    } catch (err) {
      if (err instanceof HttpError)
        send(errorReply(err.status, err.code, err.message, undefined, err.extra), ctx.write || isWriteMethod);
      else send(errorReply(500, 'InternalServerError', `Emulator error: ${(err as Error).message}`), ctx.write);
    }
  };
}
