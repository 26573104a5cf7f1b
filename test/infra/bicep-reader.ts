/**
 * A small, honest reader for the subset of Bicep that infra/ uses. Bicep cannot be compiled on this machine, so the
 * infra tests read the templates as text: parameters with their decorators and defaults, object variables, module
 * calls and their params, resource blocks, and bracket balance. Strings (with `${…}` interpolation) and comments are
 * lexed properly so braces inside them never confuse the structure.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readText(path)) as T;
}

/** Every file under `dir`, recursively (relative paths not needed: absolute). */
export function listFilesRecursively(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFilesRecursively(p));
    else out.push(p);
  }
  return out;
}

/**
 * The text with comments blanked and string contents masked (same length, same line breaks), so structural
 * characters can be found by position. Interpolated expressions inside strings stay visible as code.
 */
export function maskBicep(text: string): string {
  const out = text.split('');
  type Mode = { kind: 'code'; depth: number } | { kind: 'string' };
  const stack: Mode[] = [{ kind: 'code', depth: 0 }];
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const mode = stack[stack.length - 1]!;
    const c = text[i]!;
    const next = text[i + 1];
    if (mode.kind === 'code') {
      if (c === '/' && next === '/') {
        const end = text.indexOf('\n', i);
        const stop = end === -1 ? text.length : end;
        blank(i, stop);
        i = stop;
        continue;
      }
      if (c === '/' && next === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end === -1) throw new Error(`unterminated block comment at ${i}`);
        blank(i, end + 2);
        i = end + 2;
        continue;
      }
      if (c === "'" && text.startsWith("'''", i)) {
        const end = text.indexOf("'''", i + 3);
        if (end === -1) throw new Error(`unterminated multi-line string at ${i}`);
        blank(i + 3, end);
        i = end + 3;
        continue;
      }
      if (c === "'") {
        stack.push({ kind: 'string' });
        i++;
        continue;
      }
      if (c === '{') mode.depth++;
      if (c === '}') {
        if (mode.depth === 0 && stack.length > 1) {
          // end of a `${…}` interpolation: back into the string
          stack.pop();
          i++;
          continue;
        }
        mode.depth--;
      }
      i++;
      continue;
    }
    // inside a string
    if (c === '\\') {
      blank(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'") {
      stack.pop();
      i++;
      continue;
    }
    if (c === '$' && next === '{') {
      stack.push({ kind: 'code', depth: 0 });
      i += 2;
      continue;
    }
    blank(i, i + 1);
    i++;
  }
  if (stack.length !== 1) throw new Error('unterminated string or interpolation');
  return out.join('');
}

/** Problems with (), [] and {} nesting in code (strings and comments excluded). Empty when balanced. */
export function findBracketProblems(text: string): string[] {
  const masked = maskBicep(text);
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: Array<{ ch: string; line: number }> = [];
  const problems: string[] = [];
  let line = 1;
  for (const ch of masked) {
    if (ch === '\n') line++;
    if (ch === '(' || ch === '[' || ch === '{') stack.push({ ch, line });
    else if (ch === ')' || ch === ']' || ch === '}') {
      const top = stack.pop();
      if (!top || top.ch !== pairs[ch]) problems.push(`line ${line}: unexpected '${ch}'`);
    }
  }
  for (const open of stack) problems.push(`line ${open.line}: '${open.ch}' never closed`);
  return problems;
}

/** Index of the bracket closing the one at `openAt` (masked text). */
function findClosing(masked: string, openAt: number): number {
  const open = masked[openAt]!;
  const close = open === '{' ? '}' : open === '[' ? ']' : ')';
  let depth = 0;
  for (let k = openAt; k < masked.length; k++) {
    if (masked[k] === open) depth++;
    else if (masked[k] === close) {
      depth--;
      if (depth === 0) return k;
    }
  }
  throw new Error(`no closing '${close}' for '${open}' at ${openAt}`);
}

export interface BicepParam {
  name: string;
  type: string;
  /** The default expression as written (e.g. `'dry-run'`, `20`, `[]`), absent when required. */
  defaultText?: string;
  decorators: string[];
}

/** Top-level `param` declarations with their decorators (which may span lines, e.g. `@allowed([...])`). */
export function readParams(text: string): Map<string, BicepParam> {
  const masked = maskBicep(text);
  const params = new Map<string, BicepParam>();
  const re = /^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)?/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked)) !== null) {
    const name = m[1]!;
    const type = m[2]!;
    let defaultText: string | undefined;
    if (m[3]) {
      const start = m.index + m[0].length;
      const first = masked[start];
      let end: number;
      if (first === '{' || first === '[' || first === '(') end = findClosing(masked, start) + 1;
      else {
        const nl = masked.indexOf('\n', start);
        end = nl === -1 ? masked.length : nl;
      }
      defaultText = text.slice(start, end).trim();
    }
    // decorators: the lines just above, up to a blank/comment line or another declaration
    const maskedLines = masked.slice(0, m.index).split('\n');
    const originalLines = text.slice(0, m.index).split('\n');
    maskedLines.pop(); // the start of this line
    const decoratorLines: string[] = [];
    for (let k = maskedLines.length - 1; k >= 0; k--) {
      const l = maskedLines[k]!.trim();
      if (l === '' || /^(param|var|resource|module|output|targetScope|type|func|import)\b/.test(l)) break;
      decoratorLines.unshift(originalLines[k]!.trim());
    }
    const decorators: string[] = [];
    for (const l of decoratorLines) {
      if (l.startsWith('@') || decorators.length === 0) decorators.push(l);
      else decorators[decorators.length - 1] += ` ${l}`;
    }
    const p: BicepParam = { name, type, decorators };
    if (defaultText !== undefined) p.defaultText = defaultText;
    params.set(name, p);
  }
  return params;
}

/** The top-level `key: expression` entries of the object literal starting at `openAt` (a `{`). */
export function readObjectEntriesAt(text: string, openAt: number): Map<string, string> {
  const masked = maskBicep(text);
  if (masked[openAt] !== '{') throw new Error(`expected '{' at ${openAt}`);
  const closeAt = findClosing(masked, openAt);
  const entries = new Map<string, string>();
  let k = openAt + 1;
  while (k < closeAt) {
    // skip whitespace
    while (k < closeAt && /\s/.test(masked[k]!)) k++;
    if (k >= closeAt) break;
    const keyMatch = /^('?)([A-Za-z_$][\w$.-]*)\1\s*:\s*/.exec(text.slice(k, closeAt));
    if (!keyMatch) throw new Error(`cannot read an object key at: ${text.slice(k, k + 40)}`);
    const key = keyMatch[2]!;
    let v = k + keyMatch[0].length;
    const valueStart = v;
    // the value runs to the end of the line, unless it opens a bracket that closes later
    while (v < closeAt && masked[v] !== '\n') {
      const ch = masked[v]!;
      if (ch === '{' || ch === '[' || ch === '(') v = findClosing(masked, v) + 1;
      else v++;
    }
    entries.set(key, text.slice(valueStart, v).trim());
    k = v;
  }
  return entries;
}

/** Entries of `var NAME = { … }`. */
export function readObjectVar(text: string, varName: string): Map<string, string> {
  const masked = maskBicep(text);
  const m = new RegExp(`^var\\s+${varName}\\s*=\\s*\\{`, 'm').exec(masked);
  if (!m) throw new Error(`var ${varName} = { … } not found`);
  return readObjectEntriesAt(text, m.index + m[0].length - 1);
}

export interface BicepBlock {
  kind: 'resource' | 'module';
  symbol: string;
  /** `Type@version` for resources, the relative path for modules. */
  target: string;
  /** Text between `=` and the body (e.g. `if (cond)` or `[ for a in x:`). */
  head: string;
  /** The body `{ … }` as written. */
  body: string;
  bodyStart: number;
}

/** Every top-level `resource` and `module` declaration with its body. */
export function readBlocks(text: string): BicepBlock[] {
  const masked = maskBicep(text);
  const blocks: BicepBlock[] = [];
  const re = /^(resource|module)\s+([A-Za-z_][A-Za-z0-9_]*)\s+'/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(masked)) !== null) {
    const quoteAt = m.index + m[0].length - 1;
    const endQuote = text.indexOf("'", quoteAt + 1);
    const target = text.slice(quoteAt + 1, endQuote);
    const eq = masked.indexOf('=', endQuote);
    // skip `existing =`
    const openAt = masked.indexOf('{', eq);
    const head = text.slice(eq + 1, openAt).trim();
    const closeAt = findClosing(masked, openAt);
    blocks.push({
      kind: m[1] as 'resource' | 'module',
      symbol: m[2]!,
      target,
      head,
      body: text.slice(openAt, closeAt + 1),
      bodyStart: openAt,
    });
  }
  return blocks;
}

/** The top-level `key: value` entries of a block body (name, location, properties, …). */
export function readBlockEntries(block: BicepBlock): Map<string, string> {
  return readObjectEntriesAt(block.body, 0);
}

/** Entries of the nested object `key: { … }` at the top level of a block body (e.g. `params`, `properties`). */
export function readBlockObject(block: BicepBlock, key: string): Map<string, string> | undefined {
  const entries = readObjectEntriesAt(block.body, 0);
  const value = entries.get(key);
  if (value === undefined) return undefined;
  if (!value.startsWith('{')) throw new Error(`${block.symbol}.${key} is not an object literal`);
  return readObjectEntriesAt(value, 0);
}

/** `loadJsonContent('…')` paths in a file, resolved against the file's folder. */
export function readLoadJsonPaths(file: string): string[] {
  const text = readText(file);
  return [...text.matchAll(/loadJsonContent\('([^']+)'\)/g)].map((m) => resolve(dirname(file), m[1]!));
}

/** Top-level `var NAME = loadJsonContent('…')` bindings: NAME → resolved path. */
export function readJsonBindings(file: string): Map<string, string> {
  const text = readText(file);
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^var\s+([A-Za-z_]\w*)\s*=\s*loadJsonContent\('([^']+)'\)/gm)) {
    out.set(m[1]!, resolve(dirname(file), m[2]!));
  }
  return out;
}

/**
 * Resolve a dotted Bicep property path on a loaded JSON binding, e.g. `rbac.builtInRoles.reader` with
 * bindings {rbac → infra/rbac.json}. Returns undefined when the path does not exist.
 */
export function resolveJsonPath(bindings: Map<string, string>, expr: string): unknown {
  const parts = expr.trim().split('.');
  const file = bindings.get(parts[0]!);
  if (!file) return undefined;
  let cur: unknown = readJson(file);
  for (const p of parts.slice(1)) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as Record<string, unknown>))) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}
