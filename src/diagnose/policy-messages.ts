/**
 * ARM's Azure Policy refusal, `RequestDisallowedByPolicy` (403): the error's `additionalInfo[]` entries of type
 * `PolicyViolation` carry `info.policyAssignmentId`, `policyDefinitionId` (and set / reference ids) and
 * `policyDefinitionEffect`; older answers only name them in the message's "Policy identifiers: '[…]'". Pure.
 */
import { unwrapNestedJson } from './messages';

export const POLICY_REFUSAL_CODE = 'RequestDisallowedByPolicy';

export interface PolicyViolation {
  assignmentId: string;
  assignmentName?: string;
  assignmentDisplayName?: string;
  assignmentScope?: string;
  definitionId?: string;
  definitionName?: string;
  definitionDisplayName?: string;
  setDefinitionId?: string;
  definitionReferenceId?: string;
  effect?: string;
  exemptionIds: string[];
}

export interface PolicyRefusal {
  code: string;
  message: string;
  /** The resource ARM refused (`error.target`, a name), when given. */
  target?: string;
  violations: PolicyViolation[];
}

type Bag = Record<string, unknown>;
const isBag = (v: unknown): v is Bag => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function violationOf(info: Bag): PolicyViolation | undefined {
  const assignmentId = str(info['policyAssignmentId']);
  if (!assignmentId) return undefined;
  const v: PolicyViolation = { assignmentId, exemptionIds: [] };
  const set = (k: keyof PolicyViolation, key: string): void => {
    const s = str(info[key]);
    if (s !== undefined) (v as unknown as Bag)[k] = s;
  };
  set('assignmentName', 'policyAssignmentName');
  set('assignmentDisplayName', 'policyAssignmentDisplayName');
  set('assignmentScope', 'policyAssignmentScope');
  set('definitionId', 'policyDefinitionId');
  set('definitionName', 'policyDefinitionName');
  set('definitionDisplayName', 'policyDefinitionDisplayName');
  set('setDefinitionId', 'policySetDefinitionId');
  set('definitionReferenceId', 'policyDefinitionReferenceId');
  set('effect', 'policyDefinitionEffect');
  const ex = info['policyExemptionIds'];
  if (Array.isArray(ex)) v.exemptionIds = ex.filter((e): e is string => typeof e === 'string');
  return v;
}

/** The "Policy identifiers: '[{"policyAssignment":{"id":…},"policyDefinition":{"id":…}}]'" part of the message. */
function violationsFromMessage(message: string): PolicyViolation[] {
  const m = /Policy identifiers:\s*'(\[.*\])'/s.exec(message);
  if (!m?.[1]) return [];
  let list: unknown;
  try {
    list = JSON.parse(m[1]);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: PolicyViolation[] = [];
  for (const item of list) {
    if (!isBag(item)) continue;
    const a = isBag(item['policyAssignment']) ? item['policyAssignment'] : {};
    const d = isBag(item['policyDefinition']) ? item['policyDefinition'] : {};
    const assignmentId = str(a['id']);
    if (!assignmentId) continue;
    const v: PolicyViolation = { assignmentId, exemptionIds: [] };
    const name = str(a['name']);
    if (name) v.assignmentDisplayName = name;
    const defId = str(d['id']);
    if (defId) v.definitionId = defId;
    const defName = str(d['name']);
    if (defName) v.definitionDisplayName = defName;
    out.push(v);
  }
  return out;
}

/** A RequestDisallowedByPolicy refusal in an error text (ARM error JSON, possibly a JSON string in a string). */
export function parsePolicyRefusal(text: string | undefined): PolicyRefusal | undefined {
  if (!text || !text.includes(POLICY_REFUSAL_CODE)) return undefined;
  const unwrapped = unwrapNestedJson(text);
  const doc = unwrapped.broken ? undefined : unwrapped.value;
  const root = isBag(doc) ? (isBag(doc['error']) ? doc['error'] : doc) : undefined;
  if (root && str(root['code']) === POLICY_REFUSAL_CODE) {
    const message = str(root['message']) ?? '';
    const violations: PolicyViolation[] = [];
    const infos = Array.isArray(root['additionalInfo']) ? root['additionalInfo'] : [];
    for (const ai of infos) {
      if (!isBag(ai) || str(ai['type'])?.toLowerCase() !== 'policyviolation' || !isBag(ai['info'])) continue;
      const v = violationOf(ai['info']);
      if (v) violations.push(v);
    }
    const out: PolicyRefusal = {
      code: POLICY_REFUSAL_CODE,
      message,
      violations: violations.length ? violations : violationsFromMessage(message),
    };
    const target = str(root['target']);
    if (target) out.target = target;
    return out;
  }
  // Plain text (a CLI or portal copy): the code and, when present, the policy identifiers.
  return { code: POLICY_REFUSAL_CODE, message: text.trim(), violations: violationsFromMessage(text) };
}
