/**
 * The work record of one unit of work (a claim in partition `fix`): a typed union over its state, written and read
 * only through `toFixClaimValue` / `readFixClaim` (the store keeps plain JSON). Pure.
 */
import type { Json } from '../store/port';

/** What a finished (or scheduled) unit of work records about itself. */
export interface FixClaimFacts {
  /** redeploy-revision: the new revision. */
  revisionName?: string;
  /** assign-role: the deterministic assignment name, and whether this write created it. */
  assignmentName?: string;
  created?: boolean;
  /** redeploy-revision: set once the new revision runs. */
  heal?: 'healed';
}

export type FixClaim =
  /** Taken by a delivery that is writing now. */
  | { state: 'claimed'; eventId: string; at: string }
  /** Guarded and claimed; the heal task writes it later. */
  | ({ state: 'scheduled'; eventId?: string; at?: string } & FixClaimFacts)
  /** Written. */
  | ({ state: 'done'; eventId?: string; at?: string } & FixClaimFacts)
  /** A permanent failure: later deliveries report it instead of writing again. */
  | { state: 'failed'; eventId: string; at: string; reason: string };

export type FixClaimState = FixClaim['state'];

const STATES: readonly FixClaimState[] = ['claimed', 'scheduled', 'done', 'failed'];
const isFixClaimState = (s: string | undefined): s is FixClaimState => STATES.some((x) => x === s);

/** The JSON the store keeps for a work record. */
export function toFixClaimValue(claim: FixClaim): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(claim)) if (v !== undefined) out[k] = v as Json;
  return out;
}

const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** A stored work record, or undefined when there is none (or it is not one). */
export function readFixClaim(value: Record<string, Json> | undefined): FixClaim | undefined {
  const state = value ? str(value['state']) : undefined;
  if (!value || !isFixClaimState(state)) return undefined;
  const eventId = str(value['eventId']);
  const at = str(value['at']);
  switch (state) {
    case 'claimed':
      return { state: 'claimed', eventId: eventId ?? '', at: at ?? '' };
    case 'failed':
      return { state: 'failed', eventId: eventId ?? '', at: at ?? '', reason: str(value['reason']) ?? '' };
    case 'scheduled':
    case 'done': {
      const revisionName = str(value['revisionName']);
      const assignmentName = str(value['assignmentName']);
      const created = value['created'];
      return {
        state,
        ...(eventId !== undefined ? { eventId } : {}),
        ...(at !== undefined ? { at } : {}),
        ...(revisionName !== undefined ? { revisionName } : {}),
        ...(assignmentName !== undefined ? { assignmentName } : {}),
        ...(typeof created === 'boolean' ? { created } : {}),
        ...(value['heal'] === 'healed' ? { heal: 'healed' as const } : {}),
      };
    }
  }
}
