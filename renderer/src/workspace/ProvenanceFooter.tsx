import type { Provenance, Timings } from '../../../main/api/index.js';

/** What produced this result: model and KB identity, provider, parameters and timings. */
export function ProvenanceFooter({ provenance, timings }: { provenance: Provenance | null; timings: Timings | null }) {
  if (!provenance) return null;
  const p = provenance;
  return (
    <footer className="provenance" data-testid="provenance">
      <span title={p.model.sha256}>
        Model {p.model.id} {p.model.version}{p.model.dtype ? ` (${p.model.dtype})` : ''} · sha256 {p.model.sha256.slice(0, 12)}…{p.model.synthetic && <span className="badge-synthetic">synthetic</span>}
      </span>
      <span>
        KB {p.kb.id} {p.kb.version} ({p.kb.kind}){p.kb.embedder ? ` · embedder ${p.kb.embedder.id} ${p.kb.embedder.version} (sha256 ${p.kb.embedder.sha256.slice(0, 12)}…)` : ''}{p.imageLibrary ? ` · images ${p.imageLibrary.id} ${p.imageLibrary.version}` : ''}
      </span>
      <span>EP {p.executionProvider}</span>
      <span>
        {Object.entries(p.params)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' · ')}
      </span>
      {timings && (
        <span>
          {Math.round(timings.totalMs)} ms total · first token {timings.firstTokenMs === null ? '—' : `${Math.round(timings.firstTokenMs)} ms`} · {timings.generatedTokens} tokens · {timings.rounds} round(s)
        </span>
      )}
      <span className="muted">{p.startedAt}</span>
    </footer>
  );
}
