/**
 * Microsoft.EventGrid system topics and their event subscriptions (EventGridManagementClient `systemTopics`,
 * `systemTopicEventSubscriptions`), shaped as in azure-rest-api-specs (Microsoft.EventGrid, 2025-02-15):
 * - PUT systemTopics/{t}: `source`, `topicType`, `provisioningState`, `metricResourceId`; one system topic per source.
 * - PUT systemTopics/{t}/eventSubscriptions/{s} (long-running): the parent must exist; `destination.endpointType` is
 *   required; the stored subscription gets `topic` (the source), `provisioningState`, the filter's defaults
 *   (`isSubjectCaseSensitive`, `subjectBeginsWith`, `subjectEndsWith`), the retry policy's defaults (30 attempts,
 *   1440 minutes), `eventDeliverySchema` (EventGridSchema), `labels`; a WebHook destination keeps only
 *   `endpointBaseUrl` (ARM never returns `endpointUrl`: it carries the function key).
 * Reads and lists are the generic resource reads (they return what is stored).
 */
import { HttpError, notFound } from '../http/context';
import { deterministicGuid, lastSegment, normalizePath, splitAtProviders } from '../ids';
import type { Resource } from '../state';
import { obj, str } from '../values';
import type { Provider } from './provider';

const ENDPOINT_TYPES = [
  'WebHook',
  'EventHub',
  'StorageQueue',
  'HybridConnection',
  'ServiceBusQueue',
  'ServiceBusTopic',
  'AzureFunction',
  'PartnerDestination',
  'MonitorAlert',
  'NamespaceTopic',
];

function invalid(message: string): HttpError {
  return new HttpError(400, 'InvalidRequest', message);
}

export const eventGridProvider: Provider = {
  name: 'Microsoft.EventGrid',
  stage: 'subscription',
  route(ctx, arm) {
    if (ctx.method !== 'PUT') return undefined;
    const { type, afterProviders } = splitAtProviders(ctx.path);
    const { state } = arm;
    if (type === 'microsoft.eventgrid/systemtopics' && afterProviders === 3) {
      ctx.write = true;
      const props = obj(ctx.body['properties']);
      const source = str(props['source']);
      const topicType = str(props['topicType']);
      if (!source || !topicType) throw invalid('properties.source and properties.topicType are required.');
      const other = state
        .ofType('Microsoft.EventGrid/systemTopics')
        .find(
          (t) =>
            str(obj(t.properties)['source'])?.toLowerCase() === source.toLowerCase() &&
            normalizePath(t.id).toLowerCase() !== normalizePath(ctx.path).toLowerCase(),
        );
      if (other)
        throw new HttpError(
          400,
          'InvalidRequest',
          `System topic ${other.name} already exists for source ${source}. Only one system topic is allowed per source.`,
        );
      const existing = state.get(ctx.path);
      const topic: Resource = {
        ...ctx.body,
        id: existing?.id ?? normalizePath(ctx.path),
        name: lastSegment(ctx.path),
        type: 'Microsoft.EventGrid/systemTopics',
        properties: {
          source,
          topicType,
          provisioningState: 'Succeeded',
          metricResourceId: deterministicGuid('systemTopic', source),
        },
      };
      state.put(topic);
      arm.events.raise(ctx, 'Write', true, topic.id, 'Microsoft.EventGrid/systemTopics/write');
      return arm.lro.start(ctx, topic.id, undefined, { status: existing ? 200 : 201, body: topic });
    }
    if (type === 'microsoft.eventgrid/systemtopics' && afterProviders === 5) {
      ctx.write = true;
      const topicId = normalizePath(ctx.path).split('/').slice(0, -2).join('/');
      const topic = state.get(topicId);
      if (!topic) throw notFound(topicId);
      const props = obj(ctx.body['properties']);
      const destination = obj(props['destination']);
      const endpointType = str(destination['endpointType']);
      if (!endpointType || !ENDPOINT_TYPES.includes(endpointType))
        throw invalid(`properties.destination.endpointType must be one of ${ENDPOINT_TYPES.join(', ')}.`);
      const destProps = { ...obj(destination['properties']) };
      if (endpointType === 'WebHook') {
        const url = str(destProps['endpointUrl']);
        if (!url?.startsWith('https://')) throw invalid('The WebHook endpointUrl must be an https URL.');
        delete destProps['endpointUrl'];
        destProps['endpointBaseUrl'] = url.split('?')[0];
      }
      const filter = obj(props['filter']);
      const retry = obj(props['retryPolicy']);
      const existing = state.get(ctx.path);
      const subscription: Resource = {
        id: existing?.id ?? normalizePath(ctx.path),
        name: lastSegment(ctx.path),
        type: 'Microsoft.EventGrid/systemTopics/eventSubscriptions',
        properties: {
          ...props,
          topic: str(obj(topic.properties)['source']) ?? topic.id,
          provisioningState: 'Succeeded',
          destination: { endpointType, properties: destProps },
          filter: { subjectBeginsWith: '', subjectEndsWith: '', isSubjectCaseSensitive: false, ...filter },
          labels: Array.isArray(props['labels']) ? props['labels'] : [],
          eventDeliverySchema: str(props['eventDeliverySchema']) ?? 'EventGridSchema',
          retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440, ...retry },
        },
      };
      state.put(subscription);
      arm.events.raise(
        ctx,
        'Write',
        true,
        subscription.id,
        'Microsoft.EventGrid/systemTopics/eventSubscriptions/write',
      );
      return arm.lro.start(ctx, subscription.id, undefined, { status: existing ? 200 : 201, body: subscription });
    }
    return undefined;
  },
};
