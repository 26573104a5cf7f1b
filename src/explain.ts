/**
 * What each diagnosis kind means, what an operator checks by hand, and what the remediator does about it — the
 * catalog's words (src/kinds.ts), as `remediator diagnose` and the README (kept in step by a test) show them.
 */
import { KINDS } from './kinds';
import type { DiagnosisKind } from './model';

export interface KindExplanation {
  meaning: string;
  checks: string[];
  remediation: string;
}

/** The explanation of one kind. */
export function explainKind(kind: DiagnosisKind): KindExplanation {
  const { meaning, checks, remediation } = KINDS[kind];
  return { meaning, checks, remediation };
}
