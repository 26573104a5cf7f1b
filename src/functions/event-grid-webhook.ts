/**
 * `eventGridWebhook`: Event Grid webhook subscription (EventGridSchema or CloudEvents 1.0 batches).
 * Answers the SubscriptionValidationEvent handshake and the CloudEvents OPTIONS abuse-protection handshake.
 */
import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { isHandshake, parseEventGridDelivery } from '../intake';
import { answerItems, json, readJsonBody, resolveDeps, type GetDeps } from './http-door';

/** Origins Event Grid sends abuse-protection requests from (public and sovereign clouds). */
const EVENT_GRID_ORIGIN = /^eventgrid\.azure\.(net|us|cn)$/i;

export function makeWebhookHandler(
  getDeps: GetDeps,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    if (request.method.toUpperCase() === 'OPTIONS') return answerAbuseProtection(request, context);
    const resolved = await resolveDeps(getDeps, context);
    if ('response' in resolved) return resolved.response;
    const { deps } = resolved;

    const read = await readJsonBody(request, deps.config.maxPayloadBytes, context);
    if ('response' in read) {
      deps.log.warn({ error: read.item.status === 'rejected' ? read.item.error : '' }, 'webhook delivery rejected');
      return read.response;
    }
    const parsed = parseEventGridDelivery(read.body);
    if (isHandshake(parsed)) {
      if (parsed.others) {
        // A mixed batch: the other events are worked on first (a transient fault answers 500 so all come again).
        const answer = await answerItems(parsed.others, deps, context);
        if (answer.status !== 200) return answer;
        const results = (answer.jsonBody as { results?: unknown } | undefined)?.results ?? [];
        deps.log.info('Event Grid subscription validation handshake answered (mixed batch)');
        return json(200, { validationResponse: parsed.validationCode, results });
      }
      deps.log.info('Event Grid subscription validation handshake answered');
      context.log('answered the Event Grid subscription validation handshake');
      return json(200, { validationResponse: parsed.validationCode });
    }
    return answerItems(parsed, deps, context);
  };
}

/** CloudEvents 1.0 webhook abuse protection: echo an Event Grid origin back as allowed. */
function answerAbuseProtection(request: HttpRequest, context: InvocationContext): HttpResponseInit {
  const origin = request.headers.get('webhook-request-origin')?.trim();
  if (!origin) return json(400, { error: 'OPTIONS without a WebHook-Request-Origin header' });
  if (!EVENT_GRID_ORIGIN.test(origin)) {
    context.warn(`refused abuse-protection handshake from origin ${origin}`);
    return json(403, { error: `origin ${origin} is not allowed` });
  }
  context.log(`answered the CloudEvents abuse-protection handshake for ${origin}`);
  return {
    status: 200,
    headers: { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*', Allow: 'POST, OPTIONS' },
  };
}
