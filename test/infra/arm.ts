/**
 * The infra tests read what the real Bicep compiler made of infra/: the ARM JSON that `npm run infra:check`
 * (scripts/infra-check.mjs) writes to .cache/arm/ after it compiled and linted every template. Loading a template
 * runs that check first (a no-op when infra/ is unchanged), so a test never reads a stale or missing build.
 *
 * ARM template expressions ("[format('st{0}', variables('resourceToken'))]") are parsed with ARM's expression grammar
 * and evaluated for the functions these templates use. What ARM only knows at deployment (reference(), resource ids,
 * hashes such as uniqueString() and guid()) stays symbolic: an `Unresolved` carrying its expression text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');
export const ARM_DIR = join(REPO_ROOT, '.cache', 'arm');

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readText(path)) as T;
}

/** Every file under `dir`, recursively. */
export function listFilesRecursively(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFilesRecursively(p) : [p];
  });
}

export interface ArmParameter {
  type: string;
  defaultValue?: unknown;
  allowedValues?: unknown[];
  minValue?: number;
  maxValue?: number;
  minLength?: number;
  maxLength?: number;
  metadata?: { description?: string };
}

export interface ArmResource {
  type: string;
  apiVersion: string;
  name: string;
  condition?: string | boolean;
  scope?: string;
  location?: string;
  kind?: string;
  tags?: unknown;
  sku?: Record<string, unknown>;
  identity?: Record<string, unknown>;
  copy?: { name: string; count: string };
  properties?: Record<string, unknown> & {
    parameters?: Record<string, { value: unknown }>;
    template?: ArmTemplate;
  };
  dependsOn?: string[];
}

export interface ArmTemplate {
  $schema: string;
  parameters: Record<string, ArmParameter>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

let checked = false;

/** The compiled template of infra/<name>.bicep, e.g. 'main' or 'modules/app'. */
export function loadCompiledTemplate(name: string): ArmTemplate {
  if (!checked) {
    // compiles and lints only when infra/ changed since the last check; fails loudly without a Bicep CLI
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'infra-check.mjs'), '--quiet'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    checked = true;
  }
  return readJson<ArmTemplate>(join(ARM_DIR, `${name}.json`));
}

export function findResources(template: ArmTemplate, type: string): ArmResource[] {
  return template.resources.filter((r) => r.type === type);
}

/** The nested deployment a Bicep `module` compiles to, by its deployment name or its loop's name. */
export function findModule(
  template: ArmTemplate,
  name: string,
): ArmResource & { properties: { template: ArmTemplate } } {
  const found = template.resources.find(
    (r) => r.type === 'Microsoft.Resources/deployments' && (r.name === name || r.copy?.name === name),
  );
  if (!found?.properties?.template) throw new Error(`no module deployment '${name}'`);
  return found as ArmResource & { properties: { template: ArmTemplate } };
}

// ───────────────────────────── ARM expressions ─────────────────────────────

export type ArmExpression =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; name: string; args: ArmExpression[] }
  | { kind: 'property'; target: ArmExpression; name: string }
  | { kind: 'index'; target: ArmExpression; index: ArmExpression };

/** A value ARM only knows when it deploys (or computes by a hash), shown as its expression. */
export class Unresolved {
  constructor(readonly text: string) {}
  toString(): string {
    return `<${this.text}>`;
  }
}

export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']');
}

/** Parse the text of an ARM expression (with or without its outer brackets). */
export function parseExpression(source: string): ArmExpression {
  const text = isExpression(source) ? source.slice(1, -1) : source;
  let i = 0;
  const skip = (): void => {
    while (text[i] === ' ') i++;
  };
  const expect = (c: string): void => {
    skip();
    if (text[i] !== c) throw new Error(`expected '${c}' at ${i} in ${text}`);
    i++;
  };
  const parsePrimary = (): ArmExpression => {
    skip();
    const c = text[i];
    if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`unterminated string in ${text}`);
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          return { kind: 'string', value };
        } else value += text[i++];
      }
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'number', value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_$][\w$.]*/.exec(text.slice(i));
    if (!ident) throw new Error(`unexpected '${c}' at ${i} in ${text}`);
    i += ident[0].length;
    expect('(');
    const args: ArmExpression[] = [];
    skip();
    if (text[i] === ')') i++;
    else {
      for (;;) {
        args.push(parseChain());
        skip();
        if (text[i] === ',') i++;
        else {
          expect(')');
          break;
        }
      }
    }
    return { kind: 'call', name: ident[0], args };
  };
  const parseChain = (): ArmExpression => {
    let node = parsePrimary();
    for (;;) {
      skip();
      if (text[i] === '.') {
        i++;
        const name = /^[\w$#-]+/.exec(text.slice(i));
        if (!name) throw new Error(`expected a property name at ${i} in ${text}`);
        i += name[0].length;
        node = { kind: 'property', target: node, name: name[0] };
      } else if (text[i] === '[') {
        i++;
        const index = parseChain();
        expect(']');
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const tree = parseChain();
  skip();
  if (i !== text.length) throw new Error(`unexpected text at ${i} in ${text}`);
  return tree;
}

/** ARM's view of the public cloud and of a sample subscription, for expressions that read them. */
export const PUBLIC_CLOUD = {
  name: 'AzureCloud',
  resourceManager: 'https://management.azure.com/',
  suffixes: { storage: 'core.windows.net', keyvaultDns: '.vault.azure.net' },
};
export const SAMPLE_SUBSCRIPTION = {
  id: '/subscriptions/00000000-0000-0000-0000-00000000aaaa',
  subscriptionId: '00000000-0000-0000-0000-00000000aaaa',
  tenantId: '00000000-0000-0000-0000-00000000bbbb',
};

export interface EvaluationContext {
  template: ArmTemplate;
  /** Values for the template's parameters; the rest take their defaults. */
  parameters?: Record<string, unknown>;
  /** Values to use for variables instead of their definitions (e.g. a name that hashes a subscription id). */
  variables?: Record<string, unknown>;
}

const SYMBOLIC = new Set([
  'reference',
  'resourceId',
  'extensionResourceId',
  'listKeys',
  'uniqueString',
  'guid',
  'copyIndex',
  'resourceGroup',
  'deployment',
]);

/** The expression as ARM text (without the outer brackets). */
export function renderExpression(node: ArmExpression): string {
  switch (node.kind) {
    case 'string':
      return `'${node.value.replace(/'/g, "''")}'`;
    case 'number':
      return String(node.value);
    case 'call':
      return `${node.name}(${node.args.map(renderExpression).join(', ')})`;
    case 'property':
      return `${renderExpression(node.target)}.${node.name}`;
    case 'index':
      return `${renderExpression(node.target)}[${renderExpression(node.index)}]`;
  }
}

/** Evaluate a template value: expression strings are evaluated, objects and arrays element by element. */
export function evaluate(value: unknown, ctx: EvaluationContext): unknown {
  return evaluateIn(value, ctx, {});
}

type Scope = Record<string, unknown>;

function evaluateIn(value: unknown, ctx: EvaluationContext, lambdas: Scope): unknown {
  if (typeof value === 'string') {
    if (isExpression(value)) return evaluateNode(parseExpression(value), ctx, lambdas);
    return value.startsWith('[[') ? value.slice(1) : value;
  }
  if (Array.isArray(value)) return value.map((v) => evaluateIn(v, ctx, lambdas));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateIn(v, ctx, lambdas)]));
  }
  return value;
}

function evaluateNode(node: ArmExpression, ctx: EvaluationContext, lambdas: Scope): unknown {
  switch (node.kind) {
    case 'string':
    case 'number':
      return node.value;
    case 'property': {
      const target = evaluateNode(node.target, ctx, lambdas);
      if (target instanceof Unresolved) return new Unresolved(renderExpression(node));
      if (target === null || typeof target !== 'object' || !(node.name in target)) {
        throw new Error(`${renderExpression(node)}: no property '${node.name}'`);
      }
      return (target as Record<string, unknown>)[node.name];
    }
    case 'index': {
      const target = evaluateNode(node.target, ctx, lambdas);
      const index = evaluateNode(node.index, ctx, lambdas);
      if (target instanceof Unresolved || index instanceof Unresolved) return new Unresolved(renderExpression(node));
      return (target as Record<string | number, unknown>)[index as string | number];
    }
    case 'call':
      return callFunction(node, ctx, lambdas);
  }
}

function callFunction(node: Extract<ArmExpression, { kind: 'call' }>, ctx: EvaluationContext, lambdas: Scope): unknown {
  const name = node.name.toLowerCase();
  if (SYMBOLIC.has(node.name)) return new Unresolved(renderExpression(node));
  if (name === 'lambda') throw new Error('lambda() outside map()/filter()');
  if (name === 'map' || name === 'filter') {
    const items = evaluateNode(node.args[0]!, ctx, lambdas);
    if (items instanceof Unresolved) return new Unresolved(renderExpression(node));
    const fn = node.args[1]!;
    if (fn.kind !== 'call' || fn.name !== 'lambda' || fn.args[0]?.kind !== 'string') throw new Error('bad lambda');
    const variable = fn.args[0].value;
    const apply = (item: unknown): unknown => evaluateNode(fn.args[1]!, ctx, { ...lambdas, [variable]: item });
    const list = items as unknown[];
    return name === 'map' ? list.map(apply) : list.filter((item) => apply(item) === true);
  }
  if (name === 'if') {
    const condition = evaluateNode(node.args[0]!, ctx, lambdas);
    if (condition instanceof Unresolved) return new Unresolved(renderExpression(node));
    return evaluateNode(node.args[condition === true ? 1 : 2]!, ctx, lambdas);
  }
  const args = node.args.map((a) => evaluateNode(a, ctx, lambdas));
  // constructors keep what is unresolved as a value; every other function needs all of its arguments
  const constructs = name === 'createobject' || name === 'createarray' || name === 'concat' || name === 'union';
  const merges = name === 'concat' || name === 'union'; // cannot merge what is unresolved
  const unresolvedArg = constructs && merges ? args.some((a) => a instanceof Unresolved) : false;
  if (unresolvedArg || (!constructs && args.some((a) => a instanceof Unresolved))) {
    return new Unresolved(renderExpression(node));
  }
  const str = (k: number): string => String(args[k]);
  switch (name) {
    case 'parameters': {
      const p = str(0);
      if (ctx.parameters && p in ctx.parameters) return ctx.parameters[p];
      const def = ctx.template.parameters[p];
      if (!def) throw new Error(`no parameter '${p}'`);
      if (!('defaultValue' in def)) throw new Error(`parameter '${p}' is required and was not given`);
      return evaluateIn(def.defaultValue, ctx, {});
    }
    case 'variables': {
      const v = str(0);
      if (ctx.variables && v in ctx.variables) return ctx.variables[v];
      if (!ctx.template.variables || !(v in ctx.template.variables)) throw new Error(`no variable '${v}'`);
      return evaluateIn(ctx.template.variables[v], ctx, {});
    }
    case 'lambdavariables':
      if (!(str(0) in lambdas)) throw new Error(`no lambda variable '${str(0)}'`);
      return lambdas[str(0)];
    case 'environment':
      return PUBLIC_CLOUD;
    case 'subscription':
      return SAMPLE_SUBSCRIPTION;
    case 'subscriptionresourceid':
      return `${SAMPLE_SUBSCRIPTION.id}/providers/${str(0)}/${args.slice(1).map(String).join('/')}`;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    case 'string':
      return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    case 'int':
      return Number.parseInt(str(0), 10);
    case 'format':
      return str(0).replace(/\{(\d+)\}/g, (_m, n: string) => String(args[Number(n) + 1]));
    case 'concat':
      return Array.isArray(args[0]) ? (args as unknown[][]).flat() : args.map(String).join('');
    case 'createarray':
      return args;
    case 'createobject': {
      const out: Record<string, unknown> = {};
      for (let k = 0; k < args.length; k += 2) out[String(args[k])] = args[k + 1];
      return out;
    }
    case 'union':
      return Array.isArray(args[0])
        ? [...new Set((args as unknown[][]).flat())]
        : Object.assign({}, ...(args as Array<Record<string, unknown>>));
    case 'empty':
      return args[0] === null || args[0] === '' || (typeof args[0] === 'object' && Object.keys(args[0]).length === 0);
    case 'not':
      return args[0] !== true;
    case 'and':
      return args.every((a) => a === true);
    case 'or':
      return args.some((a) => a === true);
    case 'equals':
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case 'tolower':
      return str(0).toLowerCase();
    case 'toupper':
      return str(0).toUpperCase();
    case 'length':
      return typeof args[0] === 'string' || Array.isArray(args[0])
        ? args[0].length
        : Object.keys(args[0] as object).length;
    case 'split':
      return str(0).split(str(1));
    case 'contains':
      return typeof args[0] === 'string'
        ? args[0].includes(str(1))
        : Array.isArray(args[0])
          ? args[0].includes(args[1])
          : Object.prototype.hasOwnProperty.call(args[0], str(1));
    default:
      throw new Error(`ARM function ${node.name}() is not evaluated here: ${renderExpression(node)}`);
  }
}

/**
 * The evaluation context of a module as main deploys it: its parameters are what main passes, evaluated in main's
 * context (what ARM knows only at deployment, like another module's outputs, stays Unresolved).
 */
export function evaluateModuleContext(parent: EvaluationContext, deployment: string): EvaluationContext {
  const nested = findModule(parent.template, deployment);
  const parameters = Object.fromEntries(
    Object.entries(nested.properties.parameters ?? {}).map(([name, { value }]) => [name, evaluate(value, parent)]),
  );
  return { template: nested.properties.template, parameters };
}
