/**
 * A small real parser for the subset of KQL (Kusto Query Language) Azure Resource Graph queries the remediator sends:
 *
 *   query    := table ('|' operator)*
 *   operator := where EXPR | project COL (',' COL)* | extend NAME '=' EXPR (',' …)* | mv-expand [NAME '='] EXPR
 *             | limit N | take N | order by EXPR [asc|desc] (',' …)* | sort by …
 *   COL      := NAME '=' EXPR | PATH            (a path `a.b.c` becomes the column `a_b_c`, as Resource Graph names it)
 *   EXPR     := or/and/not over comparisons: == != =~ !~ contains !contains contains_cs has !has startswith endswith
 *               in / in~ / !in / !in~ '(' literal, … ')'; calls tolower toupper tostring isempty isnotempty isnull
 *               isnotnull not strlen; paths a.b['c'][0]; 'string' "string" numbers true false null; ( … )
 *
 * Anything else is a `KqlError` with the position and the token, which the provider answers as ARM does.
 */

export type Expr =
  | { k: 'lit'; value: unknown }
  | { k: 'path'; root: string; steps: Array<string | number> }
  | { k: 'call'; fn: string; args: Expr[] }
  | { k: 'bin'; op: string; left: Expr; right: Expr }
  | { k: 'in'; op: 'in' | 'in~' | '!in' | '!in~'; left: Expr; list: Expr[] };

export type Operator =
  | { op: 'where'; expr: Expr }
  | { op: 'project'; columns: Array<{ name: string; expr: Expr }> }
  | { op: 'extend'; columns: Array<{ name: string; expr: Expr }> }
  | { op: 'mv-expand'; name: string; expr: Expr }
  | { op: 'limit'; n: number }
  | { op: 'order'; keys: Array<{ expr: Expr; desc: boolean }> };

export interface Query {
  table: string;
  operators: Operator[];
}

export class KqlError extends Error {
  constructor(
    /** Resource Graph's detail code: ParserFailure (syntax) or InvalidQueryLanguage (unsupported operator/function). */
    readonly code: 'ParserFailure' | 'InvalidQueryLanguage',
    readonly token: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${code} at ${line}:${column} near '${token}'`);
  }
}

type TokKind = 'id' | 'str' | 'num' | 'op' | 'eof';
interface Tok {
  kind: TokKind;
  text: string;
  pos: number;
}

const OPERATORS = [
  '!contains',
  '!in~',
  '!has',
  '=~',
  '!~',
  '==',
  '!=',
  '<=',
  '>=',
  'in~',
  '!in',
  '|',
  ',',
  '(',
  ')',
  '[',
  ']',
  '.',
  '=',
  '<',
  '>',
];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let text = '';
      while (j < src.length && src[j] !== ch) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw errorAt(src, 'ParserFailure', src.slice(i), i);
      out.push({ kind: 'str', text, pos: i });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ kind: 'num', text: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      // identifiers may contain '-' only in operator names (mv-expand); '~' after in is an operator.
      const m = /^[A-Za-z_][A-Za-z0-9_]*(-[A-Za-z]+)?/.exec(src.slice(i)) as RegExpExecArray;
      let text = m[0];
      if (text.includes('-') && text.toLowerCase() !== 'mv-expand') text = text.slice(0, text.indexOf('-'));
      if (text === 'in' && src[i + 2] === '~') {
        out.push({ kind: 'op', text: 'in~', pos: i });
        i += 3;
        continue;
      }
      out.push({ kind: 'id', text, pos: i });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i) && !/^[A-Za-z]/.test(o));
    if (op !== undefined) {
      out.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if (ch === '!') {
      const m = /^![A-Za-z_]+~?/.exec(src.slice(i));
      if (m) {
        out.push({ kind: 'op', text: m[0], pos: i });
        i += m[0].length;
        continue;
      }
    }
    throw errorAt(src, 'ParserFailure', ch, i);
  }
  out.push({ kind: 'eof', text: '<EOF>', pos: src.length });
  return out;
}

function errorAt(src: string, code: KqlError['code'], token: string, pos: number): KqlError {
  const before = src.slice(0, pos).split('\n');
  return new KqlError(code, token, before.length, (before[before.length - 1] ?? '').length);
}

const COMPARISONS = new Set([
  '==',
  '!=',
  '=~',
  '!~',
  '<',
  '>',
  '<=',
  '>=',
  'contains',
  '!contains',
  'contains_cs',
  'has',
  '!has',
  'startswith',
  'endswith',
]);
export const FUNCTIONS = new Set([
  'tolower',
  'toupper',
  'tostring',
  'isempty',
  'isnotempty',
  'isnull',
  'isnotnull',
  'not',
  'strlen',
]);

export function parseKql(src: string): Query {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok => toks[p] as Tok;
  const next = (): Tok => toks[p++] as Tok;
  const fail = (t: Tok, code: KqlError['code'] = 'ParserFailure'): never => {
    throw errorAt(src, code, t.text, t.pos);
  };
  const isWord = (t: Tok, w: string): boolean => t.kind === 'id' && t.text.toLowerCase() === w;
  const expectOp = (o: string): void => {
    const t = next();
    if (t.kind !== 'op' || t.text !== o) fail(t);
  };
  const ident = (): string => {
    const t = next();
    return t.kind === 'id' ? t.text : fail(t);
  };

  function primary(): Expr {
    const t = next();
    if (t.kind === 'str') return { k: 'lit', value: t.text };
    if (t.kind === 'num') return { k: 'lit', value: Number(t.text) };
    if (t.kind === 'op' && t.text === '(') {
      const e = expr();
      expectOp(')');
      return e;
    }
    if (t.kind !== 'id') return fail(t);
    const word = t.text.toLowerCase();
    if (word === 'true' || word === 'false') return { k: 'lit', value: word === 'true' };
    if (word === 'null') return { k: 'lit', value: null };
    if (peek().kind === 'op' && peek().text === '(') {
      if (!FUNCTIONS.has(word)) fail(t, 'InvalidQueryLanguage');
      next();
      const args: Expr[] = [];
      if (!(peek().kind === 'op' && peek().text === ')')) {
        args.push(expr());
        while (peek().kind === 'op' && peek().text === ',') {
          next();
          args.push(expr());
        }
      }
      expectOp(')');
      return { k: 'call', fn: word, args };
    }
    const steps: Array<string | number> = [];
    for (;;) {
      const n = peek();
      if (n.kind === 'op' && n.text === '.') {
        next();
        steps.push(ident());
      } else if (n.kind === 'op' && n.text === '[') {
        next();
        const key = next();
        if (key.kind === 'str') steps.push(key.text);
        else if (key.kind === 'num') steps.push(Number(key.text));
        else fail(key);
        expectOp(']');
      } else break;
    }
    return { k: 'path', root: t.text, steps };
  }

  function comparison(): Expr {
    const left = primary();
    const t = peek();
    const opText = t.kind === 'op' || t.kind === 'id' ? t.text.toLowerCase() : '';
    if (opText === 'in' || opText === 'in~' || opText === '!in' || opText === '!in~') {
      next();
      expectOp('(');
      const list: Expr[] = [primary()];
      while (peek().kind === 'op' && peek().text === ',') {
        next();
        list.push(primary());
      }
      expectOp(')');
      if (list.some((e) => e.k !== 'lit')) fail(t);
      return { k: 'in', op: opText, left, list };
    }
    if (COMPARISONS.has(opText)) {
      next();
      return { k: 'bin', op: opText, left, right: primary() };
    }
    if (t.kind === 'op' && t.text.startsWith('!') && t.text.length > 2) fail(t, 'InvalidQueryLanguage');
    return left;
  }

  function conjunction(): Expr {
    let e = comparison();
    while (isWord(peek(), 'and')) {
      next();
      e = { k: 'bin', op: 'and', left: e, right: comparison() };
    }
    return e;
  }

  function expr(): Expr {
    let e = conjunction();
    while (isWord(peek(), 'or')) {
      next();
      e = { k: 'bin', op: 'or', left: e, right: conjunction() };
    }
    return e;
  }

  function columnName(e: Expr, at: Tok): string {
    if (e.k !== 'path') return fail(at);
    return [e.root, ...e.steps.map(String)].join('_');
  }

  function columns(named: boolean): Array<{ name: string; expr: Expr }> {
    const out: Array<{ name: string; expr: Expr }> = [];
    do {
      if (out.length > 0) next();
      const at = peek();
      if (at.kind === 'id' && toks[p + 1]?.kind === 'op' && toks[p + 1]?.text === '=') {
        next();
        next();
        out.push({ name: at.text, expr: expr() });
      } else if (named) {
        fail(at);
      } else {
        const e = expr();
        out.push({ name: columnName(e, at), expr: e });
      }
    } while (peek().kind === 'op' && peek().text === ',');
    return out;
  }

  function operator(): Operator {
    const t = next();
    if (t.kind !== 'id') return fail(t);
    switch (t.text.toLowerCase()) {
      case 'where':
        return { op: 'where', expr: expr() };
      case 'project':
        return { op: 'project', columns: columns(false) };
      case 'extend':
        return { op: 'extend', columns: columns(true) };
      case 'mv-expand': {
        const at = peek();
        if (at.kind === 'id' && toks[p + 1]?.kind === 'op' && toks[p + 1]?.text === '=') {
          next();
          next();
          return { op: 'mv-expand', name: at.text, expr: expr() };
        }
        const e = expr();
        return { op: 'mv-expand', name: columnName(e, at), expr: e };
      }
      case 'limit':
      case 'take': {
        const n = next();
        return n.kind === 'num' ? { op: 'limit', n: Number(n.text) } : fail(n);
      }
      case 'order':
      case 'sort': {
        if (!isWord(next(), 'by')) fail(toks[p - 1] as Tok);
        const keys: Array<{ expr: Expr; desc: boolean }> = [];
        do {
          if (keys.length > 0) next();
          const e = expr();
          let desc = true; // KQL's default sort order is descending
          if (isWord(peek(), 'asc') || isWord(peek(), 'desc')) desc = next().text.toLowerCase() === 'desc';
          keys.push({ expr: e, desc });
        } while (peek().kind === 'op' && peek().text === ',');
        return { op: 'order', keys };
      }
      default:
        return fail(t, 'InvalidQueryLanguage');
    }
  }

  const first = next();
  if (first.kind !== 'id') fail(first);
  const operators: Operator[] = [];
  while (peek().kind !== 'eof') {
    expectOp('|');
    operators.push(operator());
  }
  return { table: first.text, operators };
}
