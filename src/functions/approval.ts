/**
 * `approval`: the approval page of approve mode (GET shows, POST approves or dismisses) and the Slack interactivity
 * route. In Azure the route sits behind App Service authentication (Entra ID; infra/ authsettingsV2), which supplies
 * `X-MS-CLIENT-PRINCIPAL`; `approval/slack` is excluded from it and checks Slack's request signature instead.
 * authLevel anonymous: the signed token and the signed-in principal decide, not a function key in a chat link.
 */
import { type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { handleApprovalRequest } from '../approve/http';
import { resolveDeps, type GetDeps } from './http-door';

export function makeApprovalHandler(
  getDeps: GetDeps,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    const resolved = await resolveDeps(getDeps, context);
    if ('response' in resolved) return resolved.response;
    const body = request.method === 'POST' ? await request.text() : '';
    const r = await handleApprovalRequest(
      { method: request.method, url: request.url, header: (n) => request.headers.get(n), body },
      resolved.deps,
    );
    context.log(`approval ${request.method}: ${r.status}`);
    return { status: r.status, headers: r.headers, body: r.body };
  };
}
