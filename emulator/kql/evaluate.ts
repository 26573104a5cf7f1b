/** Evaluation of a parsed KQL query (./parse.ts) over rows of dynamic values, with Kusto's semantics for the subset. */
import type { Expr, Query } from './parse';

export type Row = Record<string, unknown>;

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '';
}

/** Kusto's tostring: strings as they are, null as '', everything else as JSON. */
export function toKqlString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function step(v: unknown, key: string | number): unknown {
  if (v === null || v === undefined || typeof v !== 'object') return null;
  if (Array.isArray(v)) return typeof key === 'number' ? (v[key] ?? null) : null;
  const o = v as Record<string, unknown>;
  if (typeof key === 'number') return null;
  // Resource Graph property names are case-insensitive for the resource's own fields.
  if (key in o) return o[key] ?? null;
  const found = Object.keys(o).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? null : (o[found] ?? null);
}

export function evaluate(e: Expr, row: Row): unknown {
  switch (e.k) {
    case 'lit':
      return e.value;
    case 'path': {
      let v: unknown = step(row, e.root);
      for (const s of e.steps) v = step(v, s);
      return v;
    }
    case 'call': {
      const a = e.args.map((x) => evaluate(x, row));
      const v = a[0];
      switch (e.fn) {
        case 'tolower':
          return toKqlString(v).toLowerCase();
        case 'toupper':
          return toKqlString(v).toUpperCase();
        case 'tostring':
          return toKqlString(v);
        case 'strlen':
          return toKqlString(v).length;
        case 'isempty':
          return isEmpty(v);
        case 'isnotempty':
          return !isEmpty(v);
        case 'isnull':
          return v === null || v === undefined;
        case 'isnotnull':
          return v !== null && v !== undefined;
        case 'not':
          return !truthy(v);
        default:
          throw new Error(`function ${e.fn} is not evaluable`);
      }
    }
    case 'in': {
      const left = evaluate(e.left, row);
      const ci = e.op.endsWith('~');
      const norm = (x: unknown): string => (ci ? toKqlString(x).toLowerCase() : toKqlString(x));
      const found = e.list.some((x) => norm(evaluate(x, row)) === norm(left));
      return e.op.startsWith('!') ? !found : found;
    }
    case 'bin': {
      if (e.op === 'and') return truthy(evaluate(e.left, row)) && truthy(evaluate(e.right, row));
      if (e.op === 'or') return truthy(evaluate(e.left, row)) || truthy(evaluate(e.right, row));
      const l = evaluate(e.left, row);
      const r = evaluate(e.right, row);
      const ls = toKqlString(l);
      const rs = toKqlString(r);
      switch (e.op) {
        case '==':
          return typeof l === 'number' || typeof r === 'number' ? Number(l) === Number(r) : l !== null && ls === rs;
        case '!=':
          return typeof l === 'number' || typeof r === 'number' ? Number(l) !== Number(r) : ls !== rs;
        case '=~':
          return l !== null && ls.toLowerCase() === rs.toLowerCase();
        case '!~':
          return ls.toLowerCase() !== rs.toLowerCase();
        case '<':
          return compare(l, r) < 0;
        case '>':
          return compare(l, r) > 0;
        case '<=':
          return compare(l, r) <= 0;
        case '>=':
          return compare(l, r) >= 0;
        case 'contains':
        case 'has':
          return ls.toLowerCase().includes(rs.toLowerCase());
        case '!contains':
        case '!has':
          return !ls.toLowerCase().includes(rs.toLowerCase());
        case 'contains_cs':
          return ls.includes(rs);
        case 'startswith':
          return ls.toLowerCase().startsWith(rs.toLowerCase());
        case 'endswith':
          return ls.toLowerCase().endsWith(rs.toLowerCase());
        default:
          throw new Error(`operator ${e.op} is not evaluable`);
      }
    }
    default: {
      const never: never = e;
      throw new Error(`unknown expression ${JSON.stringify(never)}`);
    }
  }
}

function truthy(v: unknown): boolean {
  return v === true;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = toKqlString(a);
  const y = toKqlString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Run the query's operators over the table's rows. */
export function runQuery(q: Query, rows: Row[]): Row[] {
  let out = rows;
  for (const o of q.operators) {
    switch (o.op) {
      case 'where':
        out = out.filter((r) => truthy(evaluate(o.expr, r)));
        break;
      case 'project':
        out = out.map((r) => Object.fromEntries(o.columns.map((c) => [c.name, evaluate(c.expr, r)])));
        break;
      case 'extend':
        out = out.map((r) => ({ ...r, ...Object.fromEntries(o.columns.map((c) => [c.name, evaluate(c.expr, r)])) }));
        break;
      case 'mv-expand':
        // An array gives one row per element; a property bag one row per {key: value}; anything else one row as is.
        out = out.flatMap((r) => {
          const v = evaluate(o.expr, r);
          const items: unknown[] = Array.isArray(v)
            ? (v as unknown[])
            : v !== null && typeof v === 'object'
              ? Object.entries(v as Record<string, unknown>).map(([k, x]) => ({ [k]: x }))
              : [v];
          return items.length === 0 ? [{ ...r, [o.name]: null }] : items.map((x) => ({ ...r, [o.name]: x }));
        });
        break;
      case 'limit':
        out = out.slice(0, o.n);
        break;
      case 'order':
        out = [...out].sort((a, b) => {
          for (const k of o.keys) {
            const c = compare(evaluate(k.expr, a), evaluate(k.expr, b));
            if (c !== 0) return k.desc ? -c : c;
          }
          return 0;
        });
        break;
      default: {
        const never: never = o;
        throw new Error(`unknown operator ${JSON.stringify(never)}`);
      }
    }
  }
  return out;
}
