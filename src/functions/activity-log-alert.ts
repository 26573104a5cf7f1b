/** `activityLogAlert`: an action group webhook posting Activity Log alerts in the common alert schema. */
import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { parseAlert } from '../intake';
import { answerItems, readJsonBody, resolveDeps, type GetDeps } from './http-door';

export function makeAlertHandler(
  getDeps: GetDeps,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const resolved = await resolveDeps(getDeps, context);
    if ('response' in resolved) return resolved.response;
    const { deps } = resolved;
    const read = await readJsonBody(request, deps.config.maxPayloadBytes, context);
    if ('response' in read) {
      deps.log.warn({ error: read.item.status === 'rejected' ? read.item.error : '' }, 'alert delivery rejected');
      return read.response;
    }
    return answerItems(parseAlert(read.body), deps, context);
  };
}
