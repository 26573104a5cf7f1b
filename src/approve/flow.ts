/**
 * The approval flow of approve mode:
 * - `offerApproval`: when the pipeline reports `awaiting-approval`, record the story's pending approval and sign the
 *   Approve / Dismiss links the messages carry.
 * - `reviewApproval` (GET): read-only — re-diagnose from ARM, re-plan, run the guardrails as if approved, show it.
 * - `decideApproval` (POST): claim the approval once, re-diagnose, re-plan; a changed plan is shown again with new
 *   links; otherwise the same write path as auto-fix (`executeActions`), with the approver named.
 * Every refusal (expired, forged, reused, not an approver, unknown story) is audited and writes nothing.
 */
import { writeAudit } from '../audit';
import { diagnose } from '../diagnose';
import { describeError, describeErrorMessage } from '../errors';
import type { Action, Diagnosis, DiagnosedOutcome, FailureEvent, HealResult } from '../model';
import type { Notifier } from '../notify';
import { checkGuardrail, executeActions, gatherGuardFacts, planActions, type RemediateDeps } from '../remediate';
import { BUDGET_PARTITION, createBudgetHourKey } from '../remediate/ids';
import type { Json } from '../store/port';
import { hashPlan, selectApprovable } from './plan-hash';
import { isApprover, type Principal } from './principal';
import {
  beginApproval,
  toDecisionOutcome,
  loadPending,
  readApproval,
  savePending,
  type ApprovalDecision,
  readApprovalDecision,
  type PendingApproval,
} from './records';
import { signPair } from './offer';
import { verifyApprovalToken, type ApprovalClaims } from './token';
export { offerApproval, buildApprovalUrl } from './offer';

/** How long one approval may hold its work record before another press may take it over. */
const APPROVAL_LEASE_MS = 5 * 60_000;

export interface ApprovalDeps extends RemediateDeps {
  notifier?: Notifier;
}

/** One line of the review page: what would be written, where, and whether the guardrails allow it now. */
export interface ReviewItem {
  type: Action['type'];
  what: string;
  where: string;
  allowed: boolean;
  why?: string;
}

export type ApprovalView =
  | { view: 'refused'; status: number; title: string; message: string }
  | {
      view: 'review';
      status: number;
      title: string;
      summary: string;
      resourceId: string;
      items: ReviewItem[];
      /** The plan differs from the one in the message: the person is asked again. */
      planChanged: boolean;
      /** The verb of the link that was opened (a Dismiss link shows Dismiss first). */
      verb: ApprovalClaims['a'];
      approveToken: string;
      dismissToken: string;
      expiresAt: string;
      approver: string;
    }
  | { view: 'result'; status: number; title: string; message: string; lines: string[] };

const refused = (status: number, title: string, message: string): ApprovalView => ({
  view: 'refused',
  status,
  title,
  message,
});

async function auditApproval(
  deps: ApprovalDeps,
  r: { eventId: string; resourceId?: string; status: string; detail: Record<string, Json> },
): Promise<void> {
  await writeAudit(deps, {
    eventId: r.eventId,
    ...(r.resourceId ? { resourceId: r.resourceId } : {}),
    stage: 'approval',
    status: r.status,
    detail: r.detail,
  });
}

interface Checked {
  claims: ApprovalClaims;
  principal: Principal;
  pending: PendingApproval;
}

/** Token, principal, story: everything a request must pass before anything is read from ARM. */
async function checkRequest(
  token: string,
  principal: Principal | undefined,
  deps: ApprovalDeps,
): Promise<Checked | { refusal: ApprovalView }> {
  const key = deps.config.approval.signingKey;
  const refuse = async (
    status: number,
    title: string,
    message: string,
    reason: string,
    extra: Record<string, Json> = {},
  ): Promise<{ refusal: ApprovalView }> => {
    deps.log.warn({ reason, by: principal?.objectId ?? null }, 'approval refused');
    await auditApproval(deps, {
      eventId: typeof extra['eventId'] === 'string' ? extra['eventId'] : 'approval',
      status: 'refused',
      detail: { reason, by: principal?.name ?? null, byId: principal?.objectId ?? null, ...extra },
    });
    return { refusal: refused(status, title, message) };
  };
  if (deps.config.mode !== 'approve' || !key)
    return refuse(404, 'Approvals are off', 'This remediator does not run in approve mode.', 'not-approve-mode');
  if (!principal)
    return refuse(401, 'Sign-in required', 'Sign in with your organisation account to approve fixes.', 'no-principal');
  const check = verifyApprovalToken(token, key, deps.clock.now().getTime());
  if (!check.ok) {
    switch (check.reason) {
      case 'expired':
        return refuse(
          410,
          'This link has expired',
          'Approval links are valid for a limited time. Nothing was changed; the fix can be applied by hand or approved from a newer message.',
          'expired',
          { approvalId: check.claims?.s ?? null },
        );
      case 'forged':
        return refuse(
          403,
          'This link is not valid',
          'The link was altered or was not made by this remediator. Nothing was changed.',
          'forged',
        );
      case 'malformed':
        return refuse(
          400,
          'This link is not valid',
          'The link is incomplete or damaged. Nothing was changed.',
          'malformed',
        );
    }
  }
  const claims = check.claims;
  if (!isApprover(principal, deps.config.approval.approvers))
    return refuse(
      403,
      'You may not approve this fix',
      `${principal.name} is not listed in REMEDIATOR_APPROVERS (as a user or through a group). Nothing was changed.`,
      'not-an-approver',
      { approvalId: claims.s },
    );
  const pending = await loadPending(deps.store, claims.s);
  if (!pending)
    return refuse(
      404,
      'Nothing to approve',
      'No pending fix is known for this link. Nothing was changed.',
      'unknown-story',
      {
        approvalId: claims.s,
      },
    );
  return { claims, principal, pending };
}

interface CurrentPlan {
  diagnosis: Diagnosis;
  actions: Action[];
  planHash: string;
}

/** Re-read ARM and plan again, exactly as the pipeline would now. */
async function replan(event: FailureEvent, deps: ApprovalDeps): Promise<CurrentPlan> {
  const diagnosis = await diagnose(event, { arm: deps.arm, clock: deps.clock, config: deps.config, log: deps.log });
  const actions = planActions(diagnosis, deps.config);
  return { diagnosis, actions, planHash: hashPlan(diagnosis, actions) };
}

/** The guardrails' verdict on each fix as if it were approved now (reads only). */
async function previewGuardrails(plan: CurrentPlan, deps: ApprovalDeps): Promise<ReviewItem[]> {
  const used = await deps.store.readCounter(BUDGET_PARTITION, createBudgetHourKey(deps.clock.now()));
  const items: ReviewItem[] = [];
  for (const a of plan.actions) {
    const where = a.scope ?? a.resourceId ?? plan.diagnosis.resourceId;
    if (a.status === 'manual') {
      items.push({ type: a.type, what: a.reason ?? a.type, where, allowed: false, why: 'a person must do this step' });
      continue;
    }
    const facts = await gatherGuardFacts(a, plan.diagnosis.details.appId, deps.arm);
    const d = checkGuardrail(a, facts, deps.config, { usedThisHour: used }, { approved: true });
    items.push({
      type: a.type,
      what: a.reason ?? a.type,
      where,
      allowed: d.allowed,
      ...(d.allowed ? {} : { why: d.reason }),
    });
  }
  return items;
}

function reviewOf(
  plan: CurrentPlan,
  items: ReviewItem[],
  c: { approvalId: string; verb: ApprovalClaims['a']; planChanged: boolean; principal: Principal; expiresMs: number },
  deps: ApprovalDeps,
  status = 200,
): ApprovalView {
  const t = signPair(c.approvalId, plan.planHash, c.expiresMs, deps.config.approval.signingKey ?? '');
  return {
    view: 'review',
    status,
    title: c.planChanged ? 'The plan has changed: please review it again' : 'Approve this fix?',
    summary: plan.diagnosis.summary,
    resourceId: plan.diagnosis.resourceId,
    items,
    planChanged: c.planChanged,
    verb: c.verb,
    approveToken: t.approve,
    dismissToken: t.dismiss,
    expiresAt: new Date(c.expiresMs).toISOString(),
    approver: c.principal.name,
  };
}

function describeDone(work: { state: 'completed'; decision: ApprovalDecision } | { state: 'in-progress' }): string {
  if (work.state === 'in-progress') return 'is being decided by someone right now';
  const d = work.decision;
  switch (d.outcome) {
    case 'approved':
      return `was already approved by ${d.by} at ${d.at}`;
    case 'dismissed':
      return `was dismissed by ${d.by} at ${d.at}`;
    case 'replanned':
      return `was replaced by a newer plan (${d.by} opened it at ${d.at})`;
  }
}

/** GET: show what would be written, where, and whether the guardrails allow it now. Writes nothing to ARM. */
export async function reviewApproval(
  token: string,
  principal: Principal | undefined,
  deps: ApprovalDeps,
): Promise<ApprovalView> {
  const checked = await checkRequest(token, principal, deps);
  if ('refusal' in checked) return checked.refusal;
  const { claims, pending } = checked;
  const done = await readApproval(deps.store, claims.s, claims.p);
  if (done) return refused(409, 'Already decided', `This fix ${describeDone(done)}. Nothing more to do.`);
  const plan = await replan(pending.event, deps);
  const items = await previewGuardrails(plan, deps);
  const changed = plan.planHash !== claims.p;
  const expiresMs = changed ? deps.clock.now().getTime() + deps.config.approval.ttlMs : claims.e;
  if (changed)
    await savePending(deps.store, claims.s, {
      ...pending,
      planHash: plan.planHash,
      expiresAt: new Date(expiresMs).toISOString(),
    });
  return reviewOf(
    plan,
    items,
    { approvalId: claims.s, verb: claims.a, planChanged: changed, principal: checked.principal, expiresMs },
    deps,
  );
}

export interface DecisionResult {
  view: ApprovalView;
  /** The outcome of an approval that ran the write path (for heal follow-ups and `simulate --approve-all`). */
  outcome?: DiagnosedOutcome;
}

/** POST: claim once, re-plan, and write (approve) or close (dismiss). */
export async function decideApproval(
  token: string,
  principal: Principal | undefined,
  deps: ApprovalDeps,
): Promise<DecisionResult> {
  const checked = await checkRequest(token, principal, deps);
  if ('refusal' in checked) return { view: checked.refusal };
  const { claims, pending } = checked;
  const who = checked.principal;
  const event = pending.event;
  const now = deps.clock.now();
  const begun = await beginApproval(deps.store, claims.s, claims.p, {
    eventId: event.id,
    nowMs: now.getTime(),
    leaseMs: APPROVAL_LEASE_MS,
  });
  if (begun.kind !== 'acquired') {
    const work =
      begun.kind === 'completed'
        ? { state: 'completed' as const, decision: readApprovalDecision(begun.record.outcome) }
        : { state: 'in-progress' as const };
    await auditApproval(deps, {
      eventId: event.id,
      resourceId: event.resourceId,
      status: 'refused',
      detail: {
        reason: 'reused',
        approvalId: claims.s,
        by: who.name,
        byId: who.objectId,
        owner: work.state === 'completed' ? work.decision.by : null,
      },
    });
    return { view: refused(409, 'Already decided', `This fix ${describeDone(work)}. Nothing was changed.`) };
  }
  const { lease } = begun;
  const complete = (outcome: 'approved' | 'dismissed' | 'replanned', result: string[]): Promise<void> =>
    lease.complete(
      toDecisionOutcome({
        verb: claims.a,
        by: who.name,
        byId: who.objectId,
        at: deps.clock.now().toISOString(),
        outcome,
        result,
      }),
      deps.clock.now().getTime(),
    );
  try {
    if (claims.a === 'dismiss') {
      await complete('dismissed', []);
      await auditApproval(deps, {
        eventId: event.id,
        resourceId: event.resourceId,
        status: 'dismissed',
        detail: { approvalId: claims.s, by: who.name, byId: who.objectId },
      });
      return {
        view: {
          view: 'result',
          status: 200,
          title: 'Dismissed',
          message: `Dismissed by ${who.name}. Nothing was changed.`,
          lines: [],
        },
      };
    }
    const plan = await replan(event, deps);
    if (plan.planHash !== claims.p) {
      await complete('replanned', []);
      const expiresMs = deps.clock.now().getTime() + deps.config.approval.ttlMs;
      await savePending(deps.store, claims.s, {
        ...pending,
        planHash: plan.planHash,
        expiresAt: new Date(expiresMs).toISOString(),
      });
      await auditApproval(deps, {
        eventId: event.id,
        resourceId: event.resourceId,
        status: 'replanned',
        detail: { approvalId: claims.s, by: who.name, byId: who.objectId, kind: plan.diagnosis.kind },
      });
      const items = await previewGuardrails(plan, deps);
      return {
        view: reviewOf(
          plan,
          items,
          { approvalId: claims.s, verb: 'approve', planChanged: true, principal: who, expiresMs },
          deps,
          409,
        ),
      };
    }
    const approvable = selectApprovable(plan.actions);
    const { actions, heal } = approvable.length
      ? await executeActions({ event, diagnosis: plan.diagnosis, actions: plan.actions, approvedBy: who.name }, deps)
      : { actions: plan.actions, heal: undefined as HealResult | undefined };
    const lines = actions.map((a) => `${a.type} ${a.status}${a.reason ? `: ${a.reason}` : ''}`);
    await complete('approved', lines);
    await auditApproval(deps, {
      eventId: event.id,
      resourceId: event.resourceId,
      status: 'approved',
      detail: {
        approvalId: claims.s,
        by: who.name,
        byId: who.objectId,
        actions: actions.map((a) => ({ type: a.type, status: a.status })),
      },
    });
    const outcome: DiagnosedOutcome = {
      eventId: event.id,
      status: 'diagnosed',
      mode: deps.config.mode,
      ...(event.correlationId ? { correlationId: event.correlationId } : {}),
      diagnosis: plan.diagnosis,
      actions,
      ...(heal ? { heal } : {}),
      approvedBy: who.name,
    };
    // The follow-up: where a redeploy is scheduled, the heal check sends it ("approved by …, healed after …").
    if (deps.notifier && heal?.status !== 'pending') {
      await deps.notifier
        .notifyHeal(outcome, heal ?? { status: 'not-checked', detail: 'this plan has no redeploy to check' })
        .catch((err: unknown) => deps.log.error({ err: describeError(err) }, 'approval follow-up failed'));
    }
    const written = actions.filter((a) => a.status === 'applied').length;
    return {
      view: {
        view: 'result',
        status: 200,
        title: written ? `Approved by ${who.name}` : `Approved by ${who.name}, but nothing could be written`,
        message:
          heal?.status === 'pending'
            ? 'The fix is written. The remediator now checks that the app runs again and reports back in the channel.'
            : 'The remediator reports back in the channel.',
        lines,
      },
      outcome,
    };
  } catch (err) {
    // Let the person (or a retry) try again: release the claim; nothing half-recorded stays behind.
    await lease.release().catch(() => undefined);
    deps.log.error({ err: describeError(err) }, 'approval failed');
    await auditApproval(deps, {
      eventId: event.id,
      resourceId: event.resourceId,
      status: 'error',
      detail: { approvalId: claims.s, by: who.name, error: describeErrorMessage(err) },
    }).catch(() => undefined);
    return {
      view: refused(
        503,
        'The fix could not be applied right now',
        `${describeErrorMessage(err)}. Nothing more was changed; try again in a minute.`,
      ),
    };
  }
}
