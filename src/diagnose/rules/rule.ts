/** What every rule family shares: the rule shape, the diagnosis builder, and helpers over role assignments. Pure. */
import type { RoleAssignmentInfo, RoleDefinitionInfo } from '../../azure/arm-port';
import { parseResourceId, roleGuid } from '../../azure/ids';
import type { Diagnosis, DiagnosisDetails, DiagnosisKind, RegistryIdentityRef } from '../../model';
import { lookupRole } from '../rbac';

export interface Rule<F, A> {
  name: string;
  when(facts: F, analysis: A): boolean;
  build(facts: F, analysis: A): Diagnosis;
}

/** A rule family: the analysis of its facts, then its ordered rules (the last one a catch-all). */
export interface RuleFamily<F, A> {
  analyse(facts: F): A;
  rules: ReadonlyArray<Rule<F, A>>;
}

/** A deny assignment as the evidence names it. */
export interface DenyRef {
  id: string;
  name?: string;
  scope?: string;
}

export const nameOf = (id: string): string => parseResourceId(id).name ?? id;

export function plusMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

export function isYoungerThanWindow(createdOn: string | undefined, now: string, windowMs: number): boolean {
  if (!createdOn) return false;
  const t = Date.parse(createdOn);
  return Number.isFinite(t) && t + windowMs > Date.parse(now);
}

export function describeIdentity(id: RegistryIdentityRef | undefined): string {
  if (!id) return 'no identity';
  if (id.kind === 'system')
    return `the app's system-assigned identity${id.principalId ? ` (principal ${id.principalId})` : ''}`;
  return `user-assigned identity ${nameOf(id.resourceId)}${id.principalId ? ` (principal ${id.principalId})` : ''}`;
}

export function roleNameOf(roleDefinitionId: string, defs: Readonly<Record<string, RoleDefinitionInfo>>): string {
  return lookupRole(roleDefinitionId, defs)?.roleName ?? roleGuid(roleDefinitionId);
}

export function roleFound(
  a: RoleAssignmentInfo,
  defs: Readonly<Record<string, RoleDefinitionInfo>>,
): NonNullable<DiagnosisDetails['rolesFound']>[number] {
  const r: NonNullable<DiagnosisDetails['rolesFound']>[number] = {
    roleDefinitionId: a.roleDefinitionId,
    roleName: roleNameOf(a.roleDefinitionId, defs),
    scope: a.scope,
    assignmentId: a.id,
  };
  if (a.createdOn) r.createdOn = a.createdOn;
  return r;
}

export function newest(as: readonly RoleAssignmentInfo[]): RoleAssignmentInfo | undefined {
  return [...as]
    .filter((a) => a.createdOn)
    .sort((x, y) => Date.parse(y.createdOn as string) - Date.parse(x.createdOn as string))[0];
}

export function finish(
  kind: DiagnosisKind,
  resourceId: string,
  summary: string,
  evidence: string[],
  details: DiagnosisDetails,
  manualSteps?: string[],
): Diagnosis {
  const d: Diagnosis = { kind, resourceId, summary, evidence, details };
  if (manualSteps && manualSteps.length) d.manualSteps = manualSteps;
  return d;
}

/** The deny assignment as the evidence names it: id, and name and scope where ARM gave them. */
export function toDenyRef(deny: DenyRef): DenyRef {
  return { id: deny.id, ...(deny.name ? { name: deny.name } : {}), ...(deny.scope ? { scope: deny.scope } : {}) };
}

/** What to call the workload in sentences: `container app` or, for `Microsoft.App/jobs/…`, `Container Apps job`. */
export function workloadNoun(app: { id: string }, capital = false): string {
  if (/\/providers\/Microsoft\.App\/jobs\//i.test(app.id)) return 'Container Apps job';
  return capital ? 'Container app' : 'container app';
}
