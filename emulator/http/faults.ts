/**
 * Fault injection (`addFault`, `setLatency`): rules matched by method, path pattern and call number, answering with
 * latency, throttling (429), an ARM error, a held-then-destroyed socket (timeout) or a dropped one.
 */
import type { FaultRule } from '../api';
import { errorReply, type Reply } from './context';
import { guessAction, notAuthorizedMessage } from './auth';

export class FaultInjector {
  private faults: Array<{ rule: FaultRule; matched: number; applied: number }> = [];

  add(rule: FaultRule): void {
    if (rule.path !== undefined) new RegExp(rule.path, 'i'); // fail fast on an invalid pattern
    this.faults.push({ rule, matched: 0, applied: 0 });
  }

  clear(): void {
    this.faults = [];
  }

  /** The fault for this request, if any; every rule matching method + path counts the call even when another wins. */
  pick(method: string, path: string): FaultRule | undefined {
    let chosen: FaultRule | undefined;
    for (const f of this.faults) {
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
}

/** The answer of a `throttle` or `error` fault (undefined for the other kinds). */
export function faultReply(
  fault: FaultRule,
  method: string,
  path: string,
  nowIso: () => string,
  defaultCaller: string,
): Reply | undefined {
  if (fault.kind === 'throttle') {
    const after = fault.retryAfterSeconds ?? 1;
    return errorReply(
      429,
      'TooManyRequests',
      `The request is being throttled as the limit has been reached for operation type - ${method}. Please retry after ${after} seconds.`,
      { 'retry-after': String(after) },
    );
  }
  if (fault.kind !== 'error') return undefined;
  const status = fault.status ?? 500;
  const defaults: Record<number, [string, string]> = {
    500: ['InternalServerError', `Encountered internal server error. Diagnostic information: timestamp '${nowIso()}'.`],
    502: ['BadGateway', 'The gateway did not receive a response from the service.'],
    503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'],
    504: ['GatewayTimeout', 'The gateway did not receive a response within the specified time period.'],
    403: ['AuthorizationFailed', notAuthorizedMessage(defaultCaller, guessAction(method, path), path)],
    409: ['Conflict', 'The request conflicts with the current state of the resource.'],
  };
  const [code, message] = defaults[status] ?? [`Http${status}`, `The request failed with status ${status}.`];
  return errorReply(status, fault.code ?? code, fault.message ?? message);
}
