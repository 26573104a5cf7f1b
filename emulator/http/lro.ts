/**
 * Long-running operations as ARM answers them: the write's first answer carries `Azure-AsyncOperation` and/or
 * `Location` (per resource style, or the `x-emulator-lro-style` header), and the operation is complete on its first
 * poll (`Retry-After: 0`).
 */
import type { LroStyle } from '../api';
import { deterministicGuid, keyOf, normalizePath, providerOf, subscriptionOf } from '../ids';
import type { EmulatorState } from '../state';
import { normalizeLocation, str } from '../values';
import { HttpError, type Reply, type RequestContext } from './context';
import type { ArmErrorBody } from './events';

export interface OperationRecord {
  id: string;
  resourceId: string;
  status: 'Succeeded' | 'Failed';
  error?: ArmErrorBody;
  startTime: string;
  endTime: string;
  style: LroStyle;
  /** HTTP status for a failed Location-style poll. */
  failureStatus?: number;
}

export class LongRunningOperations {
  private readonly operations = new Map<string, OperationRecord>();

  constructor(
    private readonly state: EmulatorState,
    private readonly endpointOf: () => string,
  ) {}

  /** Record the operation of a write (finished, with `error` when it failed) and add its polling headers to `initial`. */
  start(ctx: RequestContext, resourceId: string, error: ArmErrorBody | undefined, initial: Reply): Reply {
    const { state } = this;
    const opId = deterministicGuid('lro', keyOf(resourceId), String(state.nextCounter()));
    const headerStyle = str(ctx.headers['x-emulator-lro-style']);
    const style: LroStyle =
      headerStyle === 'location' || headerStyle === 'azure-async-operation'
        ? headerStyle
        : state.lroStyleFor(resourceId);
    const now = state.nowIso();
    this.operations.set(opId, {
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
    const base = `${this.endpointOf()}/subscriptions/${sub}/providers/${ns}/locations/${loc}`;
    const headers: Record<string, string> = { 'retry-after': '0' };
    if (style === 'azure-async-operation') {
      headers['azure-asyncoperation'] = `${base}/operationStatuses/${opId}?api-version=${apiVersion}`;
      headers['location'] = `${base}/operationResults/${opId}?api-version=${apiVersion}`;
    } else {
      headers['location'] = `${base}/operationResults/${opId}?api-version=${apiVersion}`;
    }
    return { ...initial, headers: { ...initial.headers, ...headers } };
  }

  /** The answer to a poll of `/subscriptions/{s}/providers/{ns}/locations/{loc}/(operationStatuses|operationResults)/{id}`, or undefined for any other path. */
  poll(ctx: RequestContext): Reply | undefined {
    const segs = ctx.path.split('/').filter(Boolean);
    const lower = segs.map((s) => s.toLowerCase());
    const isPoll =
      lower.length === 8 &&
      lower[0] === 'subscriptions' &&
      lower[2] === 'providers' &&
      lower[4] === 'locations' &&
      (lower[6] === 'operationstatuses' || lower[6] === 'operationresults');
    return isPoll ? this.answer(lower[6] ?? '', segs[7] ?? '') : undefined;
  }

  private answer(kind: string, opId: string): Reply {
    const op = this.operations.get(opId.toLowerCase()) ?? this.operations.get(opId);
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
    const res = this.state.get(op.resourceId);
    return res ? { status: 200, body: res } : { status: 204 };
  }
}
