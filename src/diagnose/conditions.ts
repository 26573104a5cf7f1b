/**
 * ABAC conditions on role assignments (conditionVersion 2.0), evaluated for the common shapes:
 *   `ActionMatches{'…'}` / `SubOperationMatches{'…'}`, `!`, `AND` / `OR` (and `&&` / `||`), parentheses,
 *   `@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {g1, g2}` (the
 *   delegation condition of DOMAIN.md), and string / GUID operators on resource attributes the denied scope names
 *   (`@Resource[{type}:name] StringEquals 'x'`).
 * Three-valued: a part that needs an attribute the remediator does not know (tags, principal attributes, the target
 * of a delete) or a shape it does not parse makes the result `unknown` with the reason — never a guess. Pure.
 */
import { describeErrorMessage } from '../errors';
import { matchesAction } from './rbac';

export type ConditionResult = true | false | 'unknown';

/** What is known about the request the condition is evaluated for. */
export interface ConditionRequest {
  action: string;
  /** The denied scope (the resource the request targeted). */
  scope: string;
  /** For a role assignment write: the role definition GUID it asked for, when the request body is known. */
  requestedRoleDefinitionId?: string;
}

export interface ConditionVerdict {
  result: ConditionResult;
  /** Why: the part that decided it, or what could not be evaluated. */
  reason: string;
}

type Node =
  | { t: 'and' | 'or'; l: Node; r: Node }
  | { t: 'not'; e: Node }
  | { t: 'action'; patterns: string[]; sub: boolean; text: string }
  | { t: 'cmp'; source: string; attribute: string; quantifier?: string; op: string; values: string[]; text: string };

class ParseError extends Error {}

const OPERATORS = new Set(
  [
    'StringEquals',
    'StringNotEquals',
    'StringEqualsIgnoreCase',
    'StringNotEqualsIgnoreCase',
    'StringLike',
    'StringNotLike',
    'StringStartsWith',
    'StringNotStartsWith',
    'StringStartsWithIgnoreCase',
    'StringNotStartsWithIgnoreCase',
    'GuidEquals',
    'GuidNotEquals',
  ].map((s) => s.toLowerCase()),
);
const QUANTIFIERS = new Set(['foranyofanyvalues', 'forallofanyvalues', 'foranyofallvalues', 'forallofallvalues']);

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    const n = this.or();
    this.ws();
    if (this.i < this.s.length)
      throw new ParseError(`unexpected text at ${this.i}: ${this.s.slice(this.i, this.i + 20)}`);
    return n;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  private word(...alternatives: string[]): boolean {
    this.ws();
    for (const w of alternatives) {
      const next = this.s.slice(this.i, this.i + w.length);
      const after = this.s[this.i + w.length] ?? ' ';
      if (next.toUpperCase() === w && (!/^[A-Z]/.test(w) || !/[A-Za-z]/.test(after))) {
        this.i += w.length;
        return true;
      }
    }
    return false;
  }

  private or(): Node {
    let l = this.and();
    while (this.word('OR', '||')) l = { t: 'or', l, r: this.and() };
    return l;
  }

  private and(): Node {
    let l = this.unary();
    while (this.word('AND', '&&')) l = { t: 'and', l, r: this.unary() };
    return l;
  }

  private unary(): Node {
    if (this.word('!', 'NOT')) return { t: 'not', e: this.unary() };
    this.ws();
    if (this.s[this.i] === '(') {
      this.i++;
      const e = this.or();
      this.ws();
      if (this.s[this.i] !== ')') throw new ParseError(`missing ")" at ${this.i}`);
      this.i++;
      return e;
    }
    return this.atom();
  }

  private atom(): Node {
    this.ws();
    const start = this.i;
    const fn = /^(ActionMatches|SubOperationMatches)\s*\{/i.exec(this.s.slice(this.i));
    if (fn) {
      this.i += fn[0].length;
      const patterns = this.listUntil('}');
      return {
        t: 'action',
        patterns,
        sub: /^sub/i.test(fn[1] as string),
        text: this.s.slice(start, this.i).trim(),
      };
    }
    const attr = /^@(Request|Resource|Principal|Environment)\[([^\]]+)\]\s*/i.exec(this.s.slice(this.i));
    if (!attr) throw new ParseError(`expected ActionMatches or an @attribute at ${this.i}`);
    this.i += attr[0].length;
    const opm = /^(?:(\w+):)?(\w+)\s*/.exec(this.s.slice(this.i));
    if (!opm) throw new ParseError(`expected an operator at ${this.i}`);
    this.i += opm[0].length;
    const quantifier = opm[1]?.toLowerCase();
    const op = (opm[2] as string).toLowerCase();
    if (quantifier !== undefined && !QUANTIFIERS.has(quantifier))
      throw new ParseError(`unknown quantifier ${opm[1] as string}`);
    let values: string[];
    this.ws();
    if (this.s[this.i] === '{') {
      this.i++;
      values = this.listUntil('}');
    } else values = [this.value()];
    const node: Node = {
      t: 'cmp',
      source: (attr[1] as string).toLowerCase(),
      attribute: (attr[2] as string).trim(),
      op,
      values,
      text: this.s.slice(start, this.i).trim(),
    };
    if (quantifier !== undefined) node.quantifier = quantifier;
    return node;
  }

  private value(): string {
    this.ws();
    if (this.s[this.i] === "'") {
      const end = this.s.indexOf("'", this.i + 1);
      if (end < 0) throw new ParseError('unterminated string');
      const v = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return v;
    }
    const m = /^[^\s,{}()]+/.exec(this.s.slice(this.i));
    if (!m) throw new ParseError(`expected a value at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }

  private listUntil(close: string): string[] {
    const out: string[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new ParseError(`expected "," or "${close}" at ${this.i}`);
    }
  }
}

const guid = (s: string): string =>
  (s.split('/').pop() ?? s)
    .trim()
    .toLowerCase()
    .replace(/^\{|\}$/g, '');

function compare(op: string, have: string, want: string): boolean | undefined {
  const likeRe = (p: string): RegExp =>
    new RegExp(
      `^${p
        .split('*')
        .map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
  switch (op) {
    case 'stringequals':
      return have === want;
    case 'stringnotequals':
      return have !== want;
    case 'stringequalsignorecase':
      return have.toLowerCase() === want.toLowerCase();
    case 'stringnotequalsignorecase':
      return have.toLowerCase() !== want.toLowerCase();
    case 'stringlike':
      return likeRe(want).test(have);
    case 'stringnotlike':
      return !likeRe(want).test(have);
    case 'stringstartswith':
      return have.startsWith(want);
    case 'stringnotstartswith':
      return !have.startsWith(want);
    case 'stringstartswithignorecase':
      return have.toLowerCase().startsWith(want.toLowerCase());
    case 'stringnotstartswithignorecase':
      return !have.toLowerCase().startsWith(want.toLowerCase());
    case 'guidequals':
      return guid(have) === guid(want);
    case 'guidnotequals':
      return guid(have) !== guid(want);
    default:
      return undefined;
  }
}

/** `@Resource[{type}:name]`: the name the denied scope gives a resource of that type, if it names one. */
function resourceName(type: string, scope: string): string | undefined {
  const typeSegs = type.split('/');
  const ns = (typeSegs[0] ?? '').toLowerCase();
  const types = typeSegs.slice(1).map((t) => t.toLowerCase());
  const segs = scope.split('/').filter((s) => s !== '');
  const p = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (p < 0 || (segs[p + 1] ?? '').toLowerCase() !== ns) return undefined;
  const rest = segs.slice(p + 2);
  for (let k = 0; k < types.length; k++) if ((rest[2 * k] ?? '').toLowerCase() !== types[k]) return undefined;
  return rest[2 * types.length - 1];
}

/** The value(s) of an attribute for this request, or the reason it is not known. */
function attributeValue(source: string, attribute: string, req: ConditionRequest): string[] | { unknown: string } {
  const [type = '', name = ''] = attribute.split(':');
  const attr = `@${source[0]?.toUpperCase() ?? ''}${source.slice(1)}[${attribute}]`;
  if (
    source === 'request' &&
    /^microsoft\.authorization\/roleassignments$/i.test(type) &&
    /^roledefinitionid$/i.test(name)
  )
    return req.requestedRoleDefinitionId
      ? [req.requestedRoleDefinitionId]
      : { unknown: `${attr}: the role the request asked for is not known (no request body in the Activity Log entry)` };
  if (source === 'resource' && /^name$/i.test(name)) {
    const n = resourceName(type, req.scope);
    if (n !== undefined) return [n];
    return { unknown: `${attr}: the denied scope ${req.scope} names no ${type}` };
  }
  return { unknown: `${attr} is an attribute the remediator does not read` };
}

function evaluateNode(n: Node, req: ConditionRequest): ConditionVerdict {
  switch (n.t) {
    case 'not': {
      const v = evaluateNode(n.e, req);
      return v.result === 'unknown' ? v : { result: !v.result, reason: v.reason };
    }
    case 'and':
    case 'or': {
      const l = evaluateNode(n.l, req);
      const r = evaluateNode(n.r, req);
      const decisive = n.t === 'and' ? false : true;
      if (l.result === decisive) return l;
      if (r.result === decisive) return r;
      if (l.result === 'unknown') return l;
      if (r.result === 'unknown') return r;
      return { result: !decisive, reason: `${l.reason}; ${r.reason}` };
    }
    case 'action': {
      if (n.sub) return { result: 'unknown', reason: `${n.text}: sub-operations are not known for this request` };
      const hit = n.patterns.some((p) => matchesAction(p, req.action));
      return { result: hit, reason: `${n.text} is ${hit} for ${req.action}` };
    }
    case 'cmp': {
      if (!OPERATORS.has(n.op)) return { result: 'unknown', reason: `${n.text}: operator not evaluated` };
      const have = attributeValue(n.source, n.attribute, req);
      if (!Array.isArray(have)) return { result: 'unknown', reason: have.unknown };
      const test = (h: string, w: string): boolean => compare(n.op, h, w) === true;
      const q = n.quantifier ?? (n.values.length > 1 ? 'foranyofanyvalues' : undefined);
      let ok: boolean;
      if (q === 'foranyofanyvalues') ok = have.some((h) => n.values.some((w) => test(h, w)));
      else if (q === 'forallofanyvalues') ok = have.every((h) => n.values.some((w) => test(h, w)));
      else if (q === 'foranyofallvalues') ok = have.some((h) => n.values.every((w) => test(h, w)));
      else if (q === 'forallofallvalues') ok = have.every((h) => n.values.every((w) => test(h, w)));
      else ok = have.some((h) => test(h, n.values[0] ?? ''));
      return { result: ok, reason: `${n.text} is ${ok} (the request has ${have.join(', ')})` };
    }
    default: {
      const never: never = n;
      throw new Error(`unexpected node ${JSON.stringify(never)}`);
    }
  }
}

/** Evaluate a role assignment's condition for one request: true (it allows), false (it excludes), or unknown. */
export function evaluateCondition(expression: string, req: ConditionRequest): ConditionVerdict {
  let tree: Node;
  try {
    tree = new Parser(expression).parse();
  } catch (err) {
    return {
      result: 'unknown',
      reason: `the condition is too complex for the remediator to evaluate (${describeErrorMessage(err)})`,
    };
  }
  return evaluateNode(tree, req);
}

/** The requested role definition GUID in a role assignment write's request body (Activity Log `requestbody`). */
export function readRequestedRoleDefinitionId(requestBody: string | undefined): string | undefined {
  if (!requestBody) return undefined;
  const m = /"roleDefinitionId"\s*:\s*"([^"]+)"/i.exec(requestBody);
  return m?.[1] ? guid(m[1]) : undefined;
}
