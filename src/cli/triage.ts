/** What the offline triage of an error text knows (shared by `diagnose` and its advice). */
import type { DiagnosisKind } from '../model';

export interface Triage {
  /** The kind when the text decides it alone (e.g. MANIFEST_UNKNOWN), else undefined. */
  kind?: DiagnosisKind;
  /** Kinds the text is consistent with, most likely first, when only ARM state can decide between them. */
  candidates: DiagnosisKind[];
  meaning: string;
  facts: string[];
  checks: string[];
  /** What an AuthorizationFailed text names: the caller, the denied action and the scope. */
  caller?: { objectId?: string; client?: string };
  action?: string;
  scope?: string;
  /** The least-privilege built-in role granting the denied action, among the built-in roles known offline. */
  leastPrivilegeRole?: { roleName: string; roleDefinitionId: string };
}
