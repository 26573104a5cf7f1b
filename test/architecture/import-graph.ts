/**
 * A small static import graph of the TypeScript sources (relative `import … from`, `export … from`, `require()` and
 * `import()`), for the architecture tests: cycles, who may load an adapter.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');

export interface ImportEdge {
  /** Repo-relative path of the imported file, or the bare package name. */
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
}

const IMPORT_RE =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[\w*{}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function listSourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSourceFiles(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function resolveRelative(fromFile: string, spec: string): string | undefined {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** The imports of one file. */
export function readImports(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[3] ?? m[4] ?? m[5];
    if (!spec) continue;
    // `import type { X }` and `export type { X }`; `import { type X }` still loads the module.
    const typeOnly = m[2] !== undefined;
    if (spec.startsWith('.')) {
      const target = resolveRelative(file, spec);
      if (target) edges.push({ to: relative(REPO_ROOT, target), typeOnly });
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
      edges.push({ to: pkg, typeOnly });
    }
  }
  return edges;
}

export type ImportGraph = Map<string, ImportEdge[]>;

export function buildImportGraph(dirs: readonly string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const d of dirs) {
    for (const f of listSourceFiles(join(REPO_ROOT, d))) graph.set(relative(REPO_ROOT, f), readImports(f));
  }
  return graph;
}

/** Every cycle among the graph's own files (type-only imports included: they are still a knot), as paths. */
export function findCycles(graph: ImportGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const e of graph.get(node) ?? []) {
      if (!graph.has(e.to)) continue;
      const s = state.get(e.to);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(e.to)), e.to]);
      else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** Everything a file loads at run time (type-only imports skipped), transitively: files and packages. */
export function collectRuntimeLoads(graph: ImportGraph, start: string): Set<string> {
  const seen = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const node = todo.pop() as string;
    for (const e of graph.get(node) ?? []) {
      if (e.typeOnly || seen.has(e.to)) continue;
      seen.add(e.to);
      if (graph.has(e.to)) todo.push(e.to);
    }
  }
  return seen;
}
