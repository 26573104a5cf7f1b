/**
 * Azure Policy in the emulator: policy assignments (`Microsoft.Authorization/policyAssignments` at a management
 * group, subscription, resource group or resource) of policy definitions whose rule has a `deny` effect refuse a
 * PUT/PATCH of a resource they cover with 403 `RequestDisallowedByPolicy`, in ARM's shape (message with "Policy
 * identifiers", `additionalInfo[].type = PolicyViolation` with the assignment, definition and effect).
 *
 * The rule language covered: `allOf` / `anyOf` / `not`, and leaves `{field, equals | notEquals | in | notIn | exists
 * | like | notLike | contains}` over `type`, `name`, `location`, `tags['k']` / `tags.k`, and aliases
 * `{ResourceType}/{a}/{b}` read as `properties.a.b` (an alias is a provider-defined path; the emulator reads the
 * common form). `[parameters('x')]` values and effects are resolved from the assignment, then the definition's
 * defaults. Assignments with `enforcementMode: DoNotEnforce` or a matching `notScopes` entry do not refuse.
 */
import { isAtOrAbove, lastSegment, sameId } from '../ids';
import { asArray, obj, str } from '../values';
import type { RbacEngine } from './rbac';
import type { Resource, ResourceStore } from './store';

const T_ASSIGNMENT = 'microsoft.authorization/policyassignments';
const T_DEFINITION = 'microsoft.authorization/policydefinitions';

export interface PolicyRefusal {
  code: 'RequestDisallowedByPolicy';
  target: string;
  message: string;
  additionalInfo: Array<{ type: 'PolicyViolation'; info: Record<string, unknown> }>;
}

type Bag = Record<string, unknown>;

export class PolicyEngine {
  constructor(
    private readonly store: ResourceStore,
    private readonly rbac: RbacEngine,
  ) {}

  assignmentScope(a: Resource): string {
    return (
      str(obj(a.properties)['scope']) ??
      a.id.replace(/\/providers\/microsoft\.authorization\/policyassignments\/[^/]+$/i, '')
    );
  }

  definition(id: string): Resource | undefined {
    return (
      this.store.get(id) ?? this.store.ofType(T_DEFINITION).find((d) => sameId(lastSegment(d.id), lastSegment(id)))
    );
  }

  /** The refusal ARM would answer for writing `resource` (its id, type, name, location, tags, properties), if any. */
  evaluateWrite(resource: Bag & { id: string; type: string }): PolicyRefusal | undefined {
    for (const a of this.store.ofType(T_ASSIGNMENT)) {
      const props = obj(a.properties);
      if (/^donotenforce$/i.test(str(props['enforcementMode']) ?? '')) continue;
      const scope = this.assignmentScope(a);
      if (!(isAtOrAbove(scope, resource.id) || this.rbac.covers(scope, resource.id))) continue;
      if (asArray(props['notScopes']).some((n) => typeof n === 'string' && isAtOrAbove(n, resource.id))) continue;
      const defId = str(props['policyDefinitionId']);
      const def = defId ? this.definition(defId) : undefined;
      if (!def) continue;
      const dprops = obj(def.properties);
      const params = paramsOf(obj(dprops['parameters']), obj(props['parameters']));
      const rule = obj(dprops['policyRule']);
      const resolved = resolve(obj(rule['then'])['effect'], params);
      const effect = typeof resolved === 'string' ? resolved : '';
      if (effect.toLowerCase() !== 'deny') continue;
      if (!evaluate(obj(rule['if']), resource, params)) continue;
      return refusal(resource, a, scope, def, effect);
    }
    return undefined;
  }
}

function paramsOf(defined: Bag, assigned: Bag): Bag {
  const out: Bag = {};
  for (const [k, v] of Object.entries(defined)) out[k.toLowerCase()] = obj(v)['defaultValue'];
  for (const [k, v] of Object.entries(assigned)) out[k.toLowerCase()] = obj(v)['value'];
  return out;
}

function resolve(v: unknown, params: Bag): unknown {
  if (typeof v !== 'string') return v;
  const m = /^\[parameters\('([^']+)'\)\]$/i.exec(v.trim());
  return m?.[1] ? params[m[1].toLowerCase()] : v;
}

/** The value of a policy `field` on the resource being written. */
function fieldValue(field: string, r: Bag & { type: string }): unknown {
  const f = field.trim();
  const lower = f.toLowerCase();
  if (lower === 'type' || lower === 'name' || lower === 'location') return r[lower];
  const tag = /^tags(?:\['([^']+)'\]|\.(.+))$/i.exec(f);
  if (tag) return obj(r['tags'])[(tag[1] ?? tag[2]) as string];
  const prefix = `${r.type.toLowerCase()}/`;
  if (!lower.startsWith(prefix)) return undefined;
  let cur: unknown = obj(r['properties']);
  for (const seg of f.slice(prefix.length).split(/[/.]/)) {
    const o = obj(cur);
    const key = Object.keys(o).find((k) => k.toLowerCase() === seg.toLowerCase());
    cur = key === undefined ? undefined : o[key];
  }
  return cur;
}

function evaluate(cond: Bag, r: Bag & { type: string }, params: Bag): boolean {
  if (Array.isArray(cond['allOf'])) return cond['allOf'].every((c) => evaluate(obj(c), r, params));
  if (Array.isArray(cond['anyOf'])) return cond['anyOf'].some((c) => evaluate(obj(c), r, params));
  if (cond['not'] !== undefined) return !evaluate(obj(cond['not']), r, params);
  const field = str(cond['field']);
  if (!field) return false;
  const have = fieldValue(field, r);
  const s = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? null)).toLowerCase();
  const like = (p: string): RegExp =>
    new RegExp(
      `^${p
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
  const op = Object.keys(cond).find((k) => k !== 'field');
  if (!op) return false;
  const want = resolve(cond[op], params);
  switch (op.toLowerCase()) {
    case 'equals':
      return have !== undefined && s(have) === s(want);
    case 'notequals':
      return have === undefined || s(have) !== s(want);
    case 'in':
      return have !== undefined && asArray(want).some((w) => s(w) === s(have));
    case 'notin':
      return have === undefined || !asArray(want).some((w) => s(w) === s(have));
    case 'exists':
      return (have !== undefined && have !== null) === (s(want) === 'true');
    case 'like':
      return typeof have === 'string' && like(String(want)).test(have);
    case 'notlike':
      return typeof have !== 'string' || !like(String(want)).test(have);
    case 'contains':
      return typeof have === 'string' && have.toLowerCase().includes(String(want).toLowerCase());
    default:
      return false;
  }
}

function refusal(r: Bag & { id: string }, a: Resource, scope: string, def: Resource, effect: string): PolicyRefusal {
  const ap = obj(a.properties);
  const dp = obj(def.properties);
  const target = lastSegment(r.id);
  const assignmentName = str(ap['displayName']) ?? a.name ?? lastSegment(a.id);
  const definitionName = str(dp['displayName']) ?? def.name ?? lastSegment(def.id);
  const identifiers = JSON.stringify([
    { policyAssignment: { name: assignmentName, id: a.id }, policyDefinition: { name: definitionName, id: def.id } },
  ]);
  return {
    code: 'RequestDisallowedByPolicy',
    target,
    message: `Resource '${target}' was disallowed by policy. Policy identifiers: '${identifiers}'.`,
    additionalInfo: [
      {
        type: 'PolicyViolation',
        info: {
          policyDefinitionId: def.id,
          policyDefinitionName: def.name ?? lastSegment(def.id),
          policyDefinitionDisplayName: definitionName,
          policyDefinitionEffect: effect.toLowerCase(),
          policyAssignmentId: a.id,
          policyAssignmentName: a.name ?? lastSegment(a.id),
          policyAssignmentDisplayName: assignmentName,
          policyAssignmentScope: scope,
          policyAssignmentParameters: obj(ap['parameters']),
          policyExemptionIds: [],
          policyEnrollmentIds: [],
        },
      },
    ],
  };
}
