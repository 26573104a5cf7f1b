/**
 * What ARM records about a write: an Event Grid event (EventGridSchema, as a subscription's system topic delivers it)
 * and an Administrative Activity Log entry with the same correlation id. Reads record nothing.
 */
import type { RaisedEvent } from '../api';
import { deterministicGuid, lastSegment, providerOf, resourceGroupOf, resourceTypeOf, subscriptionOf } from '../ids';
import type { EmulatorState } from '../state';
import { obj, str } from '../values';
import type { RequestContext } from './context';

export type EventKind = 'Write' | 'Delete' | 'Action';
export interface ArmErrorBody {
  code: string;
  message: string;
  /** More fields of ARM's error (`target`, `additionalInfo`), kept in the Activity Log's statusMessage. */
  [field: string]: unknown;
}

export class ArmEvents {
  private events: RaisedEvent[] = [];

  constructor(private readonly state: EmulatorState) {}

  /** Events raised since the start or the last drain. */
  drain(): RaisedEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** Raise `Microsoft.Resources.Resource{kind}{Success|Failure}` and append the matching Activity Log entry. */
  raise(
    ctx: RequestContext,
    kind: EventKind,
    ok: boolean,
    resourceUri: string,
    operationName: string,
    error?: ArmErrorBody,
  ): void {
    const { state } = this;
    const n = state.nextCounter();
    const now = state.nowIso();
    const sub = this.subscriptionFor(resourceUri);
    const evidence = this.findEvidence(ctx.caller, operationName, resourceUri);
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
      tenantId: state.tenantId,
      ...(resourceGroupOf(resourceUri) ? { resourceGroup: resourceGroupOf(resourceUri) } : {}),
    };
    this.events.push({
      id: deterministicGuid('event', String(n)),
      topic: `/subscriptions/${sub}`,
      subject: resourceUri,
      eventType: `Microsoft.Resources.Resource${kind}${ok ? 'Success' : 'Failure'}`,
      eventTime: now,
      dataVersion: '2',
      metadataVersion: '1',
      data,
    });
    this.recordActivity(ctx, resourceUri, operationName, ok, error, 'BadRequest', n, evidence);
  }

  /** Append an Administrative Activity Log entry (alone: for a refused write, which raises no event). */
  recordActivity(
    ctx: RequestContext,
    resourceUri: string,
    operationName: string,
    ok: boolean,
    error: ArmErrorBody | undefined,
    failureStatus: string,
    counter = this.state.nextCounter(),
    evidence?: Record<string, unknown>,
  ): void {
    const { state } = this;
    const n = counter;
    const now = state.nowIso();
    const sub = this.subscriptionFor(resourceUri);
    state.activityLog.push({
      authorization: { action: operationName, scope: resourceUri, ...(evidence ? { evidence } : {}) },
      caller: ctx.caller,
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
      submissionTimestamp: new Date(Date.parse(now) + state.activityLogDelayMs).toISOString(),
      subscriptionId: sub,
      tenantId: state.tenantId,
    });
  }

  private subscriptionFor(resourceUri: string): string {
    return subscriptionOf(resourceUri) ?? this.state.subscriptionIds()[0] ?? '00000000-0000-0000-0000-000000000000';
  }

  /** The caller's first assignment granting the action, as ARM's `authorization.evidence`. */
  private findEvidence(oid: string, action: string, scope: string): Record<string, unknown> | undefined {
    const { rbac } = this.state;
    const ra = rbac.grantingAssignments(oid, action, scope, false)[0];
    if (!ra) return undefined;
    const p = obj(ra.properties);
    const def = rbac.roleDefinition(str(p['roleDefinitionId']) ?? '');
    return {
      role: str(obj(def?.properties)['roleName']) ?? '',
      roleAssignmentScope: rbac.assignmentScope(ra),
      roleAssignmentId: (ra.name ?? lastSegment(ra.id)).replace(/-/g, ''),
      roleDefinitionId: lastSegment(str(p['roleDefinitionId']) ?? '').replace(/-/g, ''),
      principalId: oid.replace(/-/g, ''),
      principalType: str(p['principalType']) ?? 'ServicePrincipal',
    };
  }
}
