/**
 * The approval route as plain request → response (the Functions trigger and the local server both call it):
 * - `GET  …/approval?t=TOKEN`: the review page (never writes);
 * - `POST …/approval` (form `t=TOKEN`): approve or dismiss, as the token says;
 * - `POST …/approval/slack`: Slack interactivity (signed with the Slack app's signing secret; replays refused).
 * The principal comes from `X-MS-CLIENT-PRINCIPAL` (App Service authentication; the harness locally).
 */
import { writeAudit } from '../audit';
import { describeErrorMessage } from '../errors';
import type { DiagnosedOutcome } from '../model';
import { decideApproval, reviewApproval, type ApprovalDeps, type ApprovalView } from './flow';
import { renderApprovalPage } from './page';
import { parseClientPrincipal, type Principal } from './principal';
import { verifySlackRequest } from './slack-signature';

export interface ApprovalRequest {
  method: string;
  /** Full URL (only the path's end and the query are read). */
  url: string;
  header(name: string): string | null | undefined;
  body: string;
}

export interface ApprovalResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The outcome of an approval that wrote (heal follow-up, simulate). */
  outcome?: DiagnosedOutcome;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

const MAX_BODY = 16 * 1024;

function page(v: ApprovalView, outcome?: DiagnosedOutcome): ApprovalResponse {
  return {
    status: v.status,
    headers: { ...PAGE_HEADERS },
    body: renderApprovalPage(v),
    ...(outcome ? { outcome } : {}),
  };
}

function slackAnswer(text: string, outcome?: DiagnosedOutcome): ApprovalResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ response_type: 'in_channel', replace_original: false, text }),
    ...(outcome ? { outcome } : {}),
  };
}

function describeView(v: ApprovalView): string {
  switch (v.view) {
    case 'refused':
      return `${v.title}: ${v.message}`;
    case 'result':
      return `${v.title}. ${v.lines.join('; ')}`;
    case 'review':
      return `${v.title}: open the approval page from the message to review the new plan.`;
  }
}

async function handleSlack(req: ApprovalRequest, deps: ApprovalDeps): Promise<ApprovalResponse> {
  const secret = deps.config.approval.slackSigningSecret;
  const refuse = (status: number, reason: string): ApprovalResponse => {
    deps.log.warn({ reason }, 'slack interaction refused');
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: reason };
  };
  if (!secret) return refuse(404, 'no Slack app is configured');
  const check = verifySlackRequest(
    secret,
    { timestamp: req.header('x-slack-request-timestamp'), signature: req.header('x-slack-signature') },
    req.body,
    deps.clock.now().getTime(),
  );
  if (!check.ok) {
    await writeAudit(deps, {
      eventId: 'approval',
      stage: 'approval',
      status: 'refused',
      detail: { reason: `slack: ${check.reason}` },
    }).catch(() => undefined);
    return refuse(401, check.reason);
  }
  let action: { value?: unknown; action_id?: unknown } | undefined;
  let user: { id?: unknown; name?: unknown; username?: unknown } | undefined;
  try {
    const payload = JSON.parse(new URLSearchParams(req.body).get('payload') ?? '') as {
      actions?: Array<{ value?: unknown; action_id?: unknown }>;
      user?: { id?: unknown; name?: unknown; username?: unknown };
    };
    action = payload.actions?.[0];
    user = payload.user;
  } catch (err) {
    return refuse(400, `not a Slack interaction payload: ${describeErrorMessage(err)}`);
  }
  if (typeof action?.value !== 'string' || typeof user?.id !== 'string' || !/^[A-Z0-9]+$/i.test(user.id))
    return refuse(400, 'not a remediator button');
  const name = typeof user.name === 'string' ? user.name : typeof user.username === 'string' ? user.username : user.id;
  const principal: Principal = { objectId: `slack:${user.id.toLowerCase()}`, name: `${name} (Slack)`, groups: [] };
  const r = await decideApproval(action.value, principal, deps);
  return slackAnswer(describeView(r.view), r.outcome);
}

export async function handleApprovalRequest(req: ApprovalRequest, deps: ApprovalDeps): Promise<ApprovalResponse> {
  const url = new URL(req.url, 'http://localhost');
  if (req.body.length > MAX_BODY)
    return page({ view: 'refused', status: 413, title: 'Request too large', message: 'Nothing was changed.' });
  if (req.method === 'POST' && /\/slack\/?$/.test(url.pathname)) return handleSlack(req, deps);
  const principal = parseClientPrincipal(req.header('x-ms-client-principal'));
  if (req.method === 'GET' || req.method === 'HEAD') {
    const v = await reviewApproval(url.searchParams.get('t') ?? '', principal, deps);
    return page(v);
  }
  if (req.method === 'POST') {
    const form = new URLSearchParams(req.body);
    const r = await decideApproval(form.get('t') ?? '', principal, deps);
    return page(r.view, r.outcome);
  }
  return { status: 405, headers: { allow: 'GET, POST', 'content-type': 'text/plain' }, body: 'method not allowed' };
}
