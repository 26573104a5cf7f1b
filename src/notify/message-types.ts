/** The notification model (pure data): the messages both channels render. Built by summary.ts and digest.ts. */
import type { ActionStatus, ApprovalLinks, DiagnosisKind, HealResult, RemediatorMode } from '../model';

/** Status colour shared by both channels: Teams container style / Slack emoji. */
export type StatusColour = 'good' | 'warning' | 'attention';

export interface SummaryFact {
  title: string;
  value: string;
}
export interface SummaryLink {
  title: string;
  url: string;
}
export interface SummaryAction {
  status: ActionStatus;
  text: string;
}

export interface Summary {
  type: 'summary';
  eventId: string;
  kind: DiagnosisKind | 'none';
  status: StatusColour;
  /** Short title, e.g. "Image pull failed: missing pull role · web". */
  title: string;
  /**
   * The sentence a person acts on: what broke and why, then what the remediator did or needs — names, no ids
   * ("Identity web-pull has no AcrPull on registry acmeacr, so web cannot pull api:latest. Fixed: …").
   */
  headline: string;
  /** Why: the diagnosis in one sentence, as the diagnosis wrote it (ids included; shown behind the details toggle). */
  why: string;
  /** The full evidence, as the diagnosis wrote it (behind the details toggle). */
  evidence: string[];
  /** The same evidence with names for ids (Slack's context blocks, which have no toggle). */
  evidenceForPeople?: string[];
  /** Heading for `actions`, depends on the mode ("What was done" / "Would do in auto-fix …"). */
  actionsHeading: string;
  /** What the remediator did, would do, or could not do (manual actions are folded into `manualSteps`). */
  actions: SummaryAction[];
  /** What a person must still do, one sentence each, only for what was not done (names, no ids). */
  manualSteps: string[];
  /** The commands behind the steps, to copy (behind the details toggle). */
  commands?: string[];
  /** Names people know (app, image, registry, identity, role, caller): shown. */
  facts: SummaryFact[];
  /** Ids and bookkeeping (full ARM ids, principal ids, event and correlation ids): behind the details toggle. */
  details?: SummaryFact[];
  /** First link is the primary "Open in portal" target. */
  links: SummaryLink[];
  mode: RemediatorMode;
  correlationId?: string;
  /** Raw error text (a revision's provisioningError, an unclassified message), shown in monospace. */
  rawDetail?: string;
  /** ISO time the summary was built. */
  at: string;
  /** Used for grouping and digests. */
  appName?: string;
  revisionName?: string;
  /** Approve mode: the Approve / Dismiss links of the fixes awaiting approval. */
  approval?: ApprovalLinks;
}

export interface HealFollowUp {
  type: 'heal';
  eventId: string;
  status: StatusColour;
  heal: HealResult['status'];
  title: string;
  /** "healed in 2m 10s" or what still fails. */
  text: string;
  facts: SummaryFact[];
  /** Ids and bookkeeping: behind the details toggle. */
  details?: SummaryFact[];
  links: SummaryLink[];
  mode: RemediatorMode;
  correlationId?: string;
  at: string;
  appName?: string;
  revisionName?: string;
}

export interface DigestWindow {
  start: string;
  end: string;
}

export interface Digest {
  type: 'digest';
  key: string;
  status: StatusColour;
  title: string;
  /** "14 more revisions of 3 apps failed for the same reason". */
  text: string;
  /** The reason, repeated from the first message. */
  why: string;
  count: number;
  apps: string[];
  revisions: number;
  window: DigestWindow;
  facts: SummaryFact[];
  links: SummaryLink[];
  mode: RemediatorMode;
}

export type NotificationMessage = Summary | HealFollowUp | Digest;

export interface SummaryContext {
  mode: RemediatorMode;
  now: Date;
}

export interface DigestGroup {
  key: string;
  first: Summary | HealFollowUp;
  /** How many further events joined the group after the first message (with `includesFirst`: all events). */
  count: number;
  /** The first event was not told on its own (heals are told at the end of their window): count it in. */
  includesFirst?: boolean;
  /** Distinct app names among them. */
  apps: string[];
  /** Distinct revisions among them. */
  revisions: number;
  window: DigestWindow;
}
