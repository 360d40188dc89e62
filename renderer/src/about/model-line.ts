import type { ModelSummary } from '../../../main/api/index.js';

const size = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

/** One line naming the model package, the variant it runs, its size and the provider (About and Settings show it). */
export function modelLine(m: ModelSummary): string {
  if ('error' in m) return `${m.dir}: ${m.error}`;
  const others = m.variants.filter((v) => v !== m.variant);
  return `${m.id} ${m.version}${m.synthetic ? ' (synthetic)' : ''} · variant ${m.variant}, ${size(m.bytes)} · on ${m.provider.toUpperCase()}${others.length ? ` · also has ${others.join(', ')}` : ''}`;
}
