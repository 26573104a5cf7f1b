/**
 * The Azure Policy rule family: ARM refused the request with RequestDisallowedByPolicy → `arm-authz/policy-denied`,
 * naming the policy assignment and definition (as read from ARM, else as ARM's refusal names them), the effect, and
 * the exemption path. Roles are not the problem, so nothing is granted. Pure.
 */
import type { DiagnosisDetails } from '../../model';
import type { ArmPolicyFacts } from '../facts-model';
import { finish, nameOf, type Rule, type RuleFamily } from './rule';

export interface ArmPolicyAnalysis {
  assignmentId?: string;
  assignmentLabel: string;
  definitionLabel: string;
  effect: string;
  details: DiagnosisDetails;
  evidence: string[];
}

/** `[parameters('effect')]` → the parameter's value in the assignment, else the definition's default. */
function resolveEffect(f: ArmPolicyFacts, named: string | undefined): string {
  if (named) return named;
  const written = f.definition?.effect;
  if (!written) return 'deny';
  const param = /^\[parameters\('([^']+)'\)\]$/i.exec(written.trim());
  if (!param?.[1]) return written;
  const assigned = f.assignment?.parameters?.[param[1]];
  const value = typeof assigned === 'object' && assigned !== null ? (assigned as { value?: unknown }).value : assigned;
  return typeof value === 'string' ? value : (f.definition?.effectDefault ?? written);
}

export function analyseArmPolicy(f: ArmPolicyFacts): ArmPolicyAnalysis {
  const v = f.refusal.violations[0];
  const assignmentId = f.assignment?.id ?? v?.assignmentId;
  const assignmentLabel = assignmentId
    ? `${f.assignment?.displayName ?? v?.assignmentDisplayName ?? nameOf(assignmentId)} (${assignmentId})`
    : 'a policy assignment ARM did not name';
  const definitionId = f.definition?.id ?? v?.definitionId;
  const definitionLabel = definitionId
    ? `${f.definition?.displayName ?? v?.definitionDisplayName ?? nameOf(definitionId)} (${definitionId})`
    : 'a policy definition ARM did not name';
  const effect = resolveEffect(f, v?.effect);
  const details: DiagnosisDetails = { deniedScope: f.deniedScope, rawMessage: f.refusal.message };
  if (f.action) details.deniedAction = f.action;
  if (f.callerPrincipalId) details.callerPrincipalId = f.callerPrincipalId;
  if (f.callerPrincipalType) details.callerPrincipalType = f.callerPrincipalType;
  if (f.failedAt) details.failedAt = f.failedAt;
  if (assignmentId) {
    const policy: NonNullable<DiagnosisDetails['policy']> = { assignmentId, read: !!f.assignment, effect };
    const scope = f.assignment?.scope ?? v?.assignmentScope;
    if (scope) policy.assignmentScope = scope;
    const name = f.assignment?.displayName ?? v?.assignmentDisplayName ?? v?.assignmentName;
    if (name) policy.assignmentName = name;
    if (definitionId) policy.definitionId = definitionId;
    const defName = f.definition?.displayName ?? v?.definitionDisplayName;
    if (defName) policy.definitionName = defName;
    if (v?.setDefinitionId) policy.setDefinitionId = v.setDefinitionId;
    if (v?.definitionReferenceId) policy.definitionReferenceId = v.definitionReferenceId;
    details.policy = policy;
  }
  const evidence = [
    `ARM answered RequestDisallowedByPolicy (${f.messageSource === 'event' ? 'from the event' : 'from the Activity Log entry'}) for ${f.action ?? 'the request'} on ${f.deniedScope}.`,
    `Policy assignment ${assignmentLabel}${f.assignment ? `, scope ${f.assignment.scope ?? '?'}, enforcement ${f.assignment.enforcementMode ?? 'Default'}` : ' (not readable by the remediator: named by ARM only)'}.`,
    `Policy definition ${definitionLabel}${v?.setDefinitionId ? `, in initiative ${v.setDefinitionId} as ${v.definitionReferenceId ?? '?'}` : ''}; effect ${effect}.`,
  ];
  if (v && v.exemptionIds.length) evidence.push(`Exemptions already evaluated: ${v.exemptionIds.join(', ')}.`);
  const out: ArmPolicyAnalysis = { assignmentLabel, definitionLabel, effect, details, evidence };
  if (assignmentId) out.assignmentId = assignmentId;
  return out;
}

function exemptionCommand(f: ArmPolicyFacts, a: ArmPolicyAnalysis): string {
  const scope = f.deniedScope;
  const ref = a.details.policy?.definitionReferenceId
    ? ` --policy-definition-reference-ids ${a.details.policy.definitionReferenceId}`
    : '';
  return `az policy exemption create --name <exemption-name> --policy-assignment "${a.assignmentId ?? '<policy-assignment-id>'}" --scope "${scope}" --exemption-category Waiver${ref}   # only with the policy owner's agreement`;
}

export const ARM_POLICY_RULES: ReadonlyArray<Rule<ArmPolicyFacts, ArmPolicyAnalysis>> = [
  {
    name: 'policy-denied',
    when: () => true,
    build: (f, a) =>
      finish(
        'arm-authz/policy-denied',
        f.deniedScope,
        `Azure Policy refused ${f.action ?? 'the request'} on ${nameOf(f.deniedScope)}: assignment ${a.assignmentLabel}, definition ${a.definitionLabel}, effect ${a.effect}.`,
        [...a.evidence, 'Roles are not the problem: no role assignment lets a request past a deny policy.'],
        a.details,
        [
          `az policy assignment show --ids "${a.assignmentId ?? '<policy-assignment-id>'}"`,
          `az policy definition show --name ${a.details.policy?.definitionId ? nameOf(a.details.policy.definitionId) : '<policy-definition-name>'}   # the rule the request broke`,
          'Change the request (template or command) so that it complies with the policy, then run it again.',
          exemptionCommand(f, a),
        ],
      ),
  },
];

export const ARM_POLICY_FAMILY: RuleFamily<ArmPolicyFacts, ArmPolicyAnalysis> = {
  analyse: analyseArmPolicy,
  rules: ARM_POLICY_RULES,
};
