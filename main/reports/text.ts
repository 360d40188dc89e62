import type { Trace } from '../api/trace.js';
import type { ReportModel } from './model.js';

export function pct(p: number | null | undefined): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(1)}%` : '—';
}

/** Provenance as label/value rows, shared by the HTML and PDF writers. */
export function provenanceRows(m: ReportModel): [string, string][] {
  const run = m.run;
  const p = run?.provenance;
  if (!run) return [];
  const rows: [string, string][] = [
    ['Run', `${run.id} (${run.status})`],
    ['Started', run.startedAt],
  ];
  if (p) {
    rows.push(
      ['Model', `${p.model.id} ${p.model.version}${p.model.synthetic ? ' (synthetic)' : ''}`],
      ['Model sha256', p.model.sha256],
      ['Knowledge base', `${p.kb.id} ${p.kb.version} (${p.kb.kind})`],
      ['Image library', p.imageLibrary ? `${p.imageLibrary.id} ${p.imageLibrary.version}` : 'none'],
      ['Execution provider', p.executionProvider],
      ['Parameters', Object.entries(p.params).map(([k, v]) => `${k}=${String(v)}`).join(', ')],
    );
  } else {
    rows.push(['Settings', Object.entries(run.params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')]);
  }
  return rows;
}

export function timingRows(t: Trace | null): [string, string][] {
  const tm = t?.timings;
  if (!tm) return [];
  return [
    ['Total time', `${Math.round(tm.totalMs)} ms`],
    ['First token', tm.firstTokenMs === null ? '—' : `${Math.round(tm.firstTokenMs)} ms`],
    ['Prefill / decode / retrieval', `${Math.round(tm.prefillMs)} / ${Math.round(tm.decodeMs)} / ${Math.round(tm.retrievalMs)} ms`],
    ['Generated tokens', `${tm.generatedTokens} in ${tm.rounds} round(s)`],
  ];
}
