/**
 * Pure classification: facts → exactly one Diagnosis. No I/O, no clock (the time is in the facts).
 *
 * Each flavour of facts has a rule family (its own module): an analysis, then an EXPLICIT ordered list of named rules;
 * the first rule whose `when` matches decides the kind. A new family is a module and one line in `RULE_FAMILIES`.
 */
import type { Diagnosis, DiagnosisDetails } from '../../model';
import type { Facts, UnclassifiedFacts } from '../facts-model';
import { ACR_PULL_FAMILY } from './acr-pull';
import { ARM_AUTHZ_FAMILY } from './arm-authz';
import { ARM_POLICY_FAMILY } from './arm-policy';
import { SECRET_REF_FAMILY } from './secret-ref';
import { finish, type Rule, type RuleFamily } from './rule';

export type { Rule, RuleFamily } from './rule';
export { ACR_PULL_RULES } from './acr-pull';
export { ARM_AUTHZ_RULES, analyseArmAuthz, type ArmAuthzAnalysis } from './arm-authz';
export { ARM_POLICY_RULES, analyseArmPolicy, type ArmPolicyAnalysis } from './arm-policy';
export { analyseAcrPull, CREATE_REVISION_SLACK_MS, type AcrPullAnalysis } from './acr-pull-analysis';

type FactsOf<K extends Facts['flavor']> = Extract<Facts, { flavor: K }>;
type FamilyFlavor = Exclude<Facts['flavor'], 'unclassified'>;

export interface Classification {
  rule: string;
  diagnosis: Diagnosis;
}

/** Every rule family, by the flavour of facts it classifies. */
const RULE_FAMILIES: { [K in FamilyFlavor]: (facts: FactsOf<K>) => Classification } = {
  'acr-pull': (f) => namingEveryImage(applyFamily(ACR_PULL_FAMILY, f)),
  'arm-authz': (f) => applyFamily(ARM_AUTHZ_FAMILY, f),
  'arm-policy': (f) => applyFamily(ARM_POLICY_FAMILY, f),
  'secret-ref': (f) => applyFamily(SECRET_REF_FAMILY, f),
};

function classifyUnclassified(f: UnclassifiedFacts): Diagnosis {
  const details: DiagnosisDetails = {};
  if (f.rawMessage) details.rawMessage = f.rawMessage;
  if (f.appId) details.appId = f.appId;
  if (f.revisionName) details.revisionName = f.revisionName;
  return finish(
    f.unrelated ? 'unrelated' : 'unknown',
    f.resourceId,
    `${f.reason}${f.rawMessage ? ` Raw: ${f.rawMessage}` : ''}`,
    f.evidence,
    details,
  );
}

/** Several images of one registry failing the same way are one story: its summary names them all. */
function namingEveryImage(c: Classification): Classification {
  const { image, images } = c.diagnosis.details;
  if (!image || !images || images.length < 2 || !c.diagnosis.summary.includes(image)) return c;
  const all = `${images.slice(0, -1).join(', ')} and ${images[images.length - 1] ?? ''}`;
  return { ...c, diagnosis: { ...c.diagnosis, summary: c.diagnosis.summary.replace(image, all) } };
}

/** Apply an ordered rule list; returns the diagnosis and the name of the rule that decided it. */
export function applyRules<F, A>(rules: ReadonlyArray<Rule<F, A>>, facts: F, analysis: A): Classification {
  for (const r of rules) if (r.when(facts, analysis)) return { rule: r.name, diagnosis: r.build(facts, analysis) };
  throw new Error('rule list without a catch-all');
}

function applyFamily<F, A>(family: RuleFamily<F, A>, facts: F): Classification {
  return applyRules(family.rules, facts, family.analyse(facts));
}

function classifyInFamily<K extends FamilyFlavor>(flavor: K, facts: FactsOf<K>): Classification {
  const classifyFacts: (f: FactsOf<K>) => Classification = RULE_FAMILIES[flavor];
  return classifyFacts(facts);
}

/** Facts → exactly one Diagnosis (pure). */
export function classify(facts: Facts): Diagnosis {
  return classifyWithRule(facts).diagnosis;
}

/** Same as classify, also naming the rule that matched (for logs and tests). */
export function classifyWithRule(facts: Facts): Classification {
  if (facts.flavor === 'unclassified') return { rule: 'unclassified', diagnosis: classifyUnclassified(facts) };
  return classifyInFamily(facts.flavor, facts);
}
