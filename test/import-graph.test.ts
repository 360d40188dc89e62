import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import mainLayers from '../main/layers.json' with { type: 'json' };

/** Imports between main/'s own files; type-only ones vanish at run time and are left out unless asked for. */
function importGraph(root: string, withTypes = false): Map<string, string[]> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) files.push(p);
    }
  };
  walk(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const m of readFileSync(f, 'utf8').matchAll(/^(import|export)(\s+type)?\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
      if (m[2] && !withTypes) continue;
      const target = resolve(dirname(f), m[3]!.replace(/\.js$/, '.ts'));
      if (known.has(target)) deps.push(target);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself: the import cycles. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)?.includes(v)) found.push(scc);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

interface Layers {
  appKernel: string[];
  layers: Record<string, string[]>;
}

/**
 * The imports (type-only ones too) that main/layers.json does not allow, as `from → to` paths relative to main/: a
 * folder it lists may import its own files, the folders listed for it and, of main/app, the kernel files only. The
 * folders it does not list (main/app, the composition root; main/cli) may import anything; test support is left out.
 */
export function outsideLayers(graph: Map<string, string[]>, { appKernel, layers }: Layers): string[] {
  const offenders: string[] = [];
  for (const [from, deps] of graph) {
    const folder = from.split('/')[0]!;
    const allowed = layers[folder];
    if (!allowed || /(^|\/)testing\//.test(from)) continue;
    for (const to of deps) {
      const target = to.split('/')[0]!;
      if (target === folder || allowed.includes(target)) continue;
      if (target === 'app' && !allowed.includes('app') && appKernel.includes(basename(to, '.ts'))) continue;
      offenders.push(`${from} → ${to}`);
    }
  }
  return offenders;
}

describe('main/ imports', () => {
  const root = resolve('main');
  it('have no cycle', () => {
    expect(cycles(importGraph(root)).map((c) => c.map((f) => relative(root, f)).sort())).toEqual([]);
  });

  it('the cycle finder finds one (so the test above can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g).map((c) => c.sort())).toEqual([['a', 'b', 'c']]);
  });

  it('domains do not reach the dispatcher or a transport', () => {
    const offenders: string[] = [];
    for (const [file, deps] of importGraph(root)) {
      const domain = relative(root, file).split('/')[0]!;
      if (['app', 'cli', 'server', 'api'].includes(domain) || /\/testing\//.test(file)) continue;
      for (const d of deps) if (/\/main\/(app\/(dispatch|handlers)|cli\/|server\/)/.test(d)) offenders.push(`${relative(root, file)} → ${relative(root, d)}`);
    }
    expect(offenders).toEqual([]);
  });

  it('stay within the layers of main/layers.json (the table the lint rules are made from)', () => {
    const relativeGraph = new Map([...importGraph(root, true)].map(([f, deps]) => [relative(root, f), deps.map((d) => relative(root, d))]));
    expect(outsideLayers(relativeGraph, mainLayers)).toEqual([]);
  });

  it('the layer check finds a domain reaching another one, or the composition root, around its ports', () => {
    const table: Layers = { appKernel: ['context'], layers: { cases: ['db'], reports: ['cases'] } };
    const g = new Map([
      ['cases/demo.ts', ['cases/store.ts', 'db/database.ts', 'app/context.ts', 'dicom/importer.ts']],
      ['reports/model.ts', ['cases/store.ts', 'app/compose.ts']],
      ['app/compose.ts', ['cases/demo.ts', 'dicom/importer.ts']],
      ['cases/testing/fixtures.ts', ['app/compose.ts']],
    ]);
    expect(outsideLayers(g, table)).toEqual(['cases/demo.ts → dicom/importer.ts', 'reports/model.ts → app/compose.ts']);
  });

  it('main/layers.json gives every folder of main/ below the root and the CLI its rule', () => {
    const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(folders.filter((f) => !['app', 'cli', 'api'].includes(f) && !(f in mainLayers.layers))).toEqual([]);
  });
});
