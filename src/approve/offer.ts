/** Approve mode's offer: record a story's pending approval and sign the Approve / Dismiss links its messages carry. */
import type { Action, ApprovalLinks, Diagnosis, FailureEvent } from '../model';
import type { RemediateDeps } from '../remediate';
import { hashPlan } from './plan-hash';
import { savePending, type PendingApproval } from './records';
import { createApprovalId, signApprovalToken } from './token';

type ApprovalDeps = RemediateDeps;

export function signPair(
  approvalId: string,
  planHash: string,
  expiresMs: number,
  key: string,
): { approve: string; dismiss: string } {
  const c = { v: 1 as const, s: approvalId, p: planHash, e: expiresMs };
  return {
    approve: signApprovalToken({ ...c, a: 'approve' }, key),
    dismiss: signApprovalToken({ ...c, a: 'dismiss' }, key),
  };
}

/** The link a token opens. */
export function buildApprovalUrl(base: string, token: string): string {
  return `${base}${base.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}`;
}

/** Record the pending approval of a story and sign its links; undefined when approve mode is not configured. */
export async function offerApproval(
  input: { event: FailureEvent; diagnosis: Diagnosis; planned: readonly Action[]; storyKey: string },
  deps: Pick<ApprovalDeps, 'store' | 'clock' | 'config'>,
): Promise<ApprovalLinks | undefined> {
  const { signingKey, url, ttlMs } = deps.config.approval;
  if (deps.config.mode !== 'approve' || !signingKey || !url) return undefined;
  const approvalId = createApprovalId(input.storyKey);
  const planHash = hashPlan(input.diagnosis, input.planned);
  const now = deps.clock.now();
  const expiresMs = now.getTime() + ttlMs;
  const pending: PendingApproval = {
    storyKey: input.storyKey,
    event: input.event,
    planHash,
    createdAt: now.toISOString(),
    expiresAt: new Date(expiresMs).toISOString(),
  };
  await savePending(deps.store, approvalId, pending);
  const t = signPair(approvalId, planHash, expiresMs, signingKey);
  return {
    approvalId,
    approveUrl: buildApprovalUrl(url, t.approve),
    dismissUrl: buildApprovalUrl(url, t.dismiss),
    expiresAt: pending.expiresAt,
    ...(deps.config.approval.slackSigningSecret ? { slackTokens: { approve: t.approve, dismiss: t.dismiss } } : {}),
  };
}
