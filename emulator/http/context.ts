/** What every handler sees of one request (its context) and gives back (a reply or an ARM error). */
import type { IncomingMessage } from 'node:http';
import { normalizePath, resourceGroupOf } from '../ids';
import { NotFoundError } from '../state/store';

/** One request, passed explicitly to the router and every provider. */
export interface RequestContext {
  method: string;
  /** Normalized path (duplicate slashes collapsed), without the query. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
  correlationId: string;
  claims: Record<string, string>;
  /** Object id of the caller: the token's `oid`, else the emulator's configured caller. */
  caller: string;
  /** Set by handlers: whether this request changed (or tried to change) state. */
  write: boolean;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An ARM error answer: `{error:{code,message}}` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** More fields of ARM's `error` object (e.g. `target`, `additionalInfo`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function notFound(id: string): HttpError {
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

export function methodNotAllowed(method: string, path?: string): HttpError {
  return new HttpError(
    405,
    'MethodNotAllowed',
    path === undefined
      ? `The requested method ${method} is not allowed.`
      : `The requested method ${method} is not allowed for ${path}.`,
  );
}

export function errorReply(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
  extra?: Record<string, unknown>,
): Reply {
  return { status, ...(headers ? { headers } : {}), body: { error: { code, message, ...(extra ?? {}) } } };
}

/** Run a state operation, answering its NotFoundError as ARM's 404 ResourceNotFound. */
export function orNotFound<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof NotFoundError) throw notFound(err.id);
    throw err;
  }
}
