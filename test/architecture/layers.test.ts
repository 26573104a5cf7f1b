/**
 * The shape of the house (issue 12): no import cycle in src/, adapters only where they are composed, no oversized
 * module in the parts reshaped, errors described in one place.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, buildImportGraph, collectRuntimeLoads, findCycles, listSourceFiles } from './import-graph';

const graph = buildImportGraph(['src']);
const ADAPTER_PACKAGES = ['@azure/storage-queue', '@azure/data-tables'];

describe('the import graph of src/', () => {
  it('has no cycle (type-only imports included)', () => {
    expect(findCycles(graph)).toEqual([]);
  });

  it('sees the imports it is about (the check is not vacuous)', () => {
    expect(graph.get('src/pipeline.ts')?.map((e) => e.to)).toEqual(expect.arrayContaining(['src/remediate/index.ts']));
    const composed = collectRuntimeLoads(graph, 'src/runtime.ts');
    expect([...composed]).toEqual(expect.arrayContaining(['src/adapters/queue-scheduler.ts', '@azure/storage-queue']));
  });

  it.each(['src/pipeline.ts', 'src/remediate/index.ts', 'src/diagnose/index.ts', 'src/store/index.ts'])(
    'loading %s loads no adapter and no storage SDK',
    (entry) => {
      const loads = [...collectRuntimeLoads(graph, entry)];
      expect(loads.filter((l) => l.startsWith('src/adapters/') || ADAPTER_PACKAGES.includes(l))).toEqual([]);
    },
  );

  it('no core or workflow module imports an adapter (only the composition root, CLI, local harness, adapters)', () => {
    const mayCompose = /^src\/(adapters|cli|local|functions)\/|^src\/(runtime|compose)\.ts$/;
    const offenders = [...graph.entries()]
      .filter(([file]) => !mayCompose.test(file))
      .flatMap(([file, edges]) =>
        edges.filter((e) => e.to.startsWith('src/adapters/')).map((e) => `${file} → ${e.to}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('module size and error descriptions', () => {
  const files = listSourceFiles(join(REPO_ROOT, 'src'));
  const rel = (f: string): string => f.slice(REPO_ROOT.length + 1);

  it('no module in src/ is over 450 lines', () => {
    const big = files
      .map((f) => ({ f, n: readFileSync(f, 'utf8').split('\n').length }))
      .filter(({ n }) => n > 450)
      .map(({ f, n }) => `${rel(f)}: ${n}`);
    expect(big).toEqual([]);
  });

  it('errors become messages only through src/errors.ts (no `instanceof Error ? … .message` elsewhere)', () => {
    const offenders = files
      .filter((f) => rel(f) !== 'src/errors.ts')
      .filter((f) => /instanceof Error\s*\?[^:\n]*\.message/.test(readFileSync(f, 'utf8')))
      .map(rel);
    expect(offenders).toEqual([]);
  });
});
