import { useState } from 'react';
import type { EvidencePassage } from '../../../main/api/index.js';

/** One retrieved passage: source, title and scores at a glance; the passage itself expands on click. */
export function EvidenceCard({ passage }: { passage: EvidencePassage }) {
  const [open, setOpen] = useState(false);
  const scores = Object.entries(passage.scores).filter((e): e is [string, number] => typeof e[1] === 'number');
  return (
    <article className={`evidence-card ${open ? 'open' : ''}`} data-testid="evidence-card">
      <button className="evidence-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="evidence-rank">{passage.rank}</span>
        <span className="evidence-title">{passage.title ?? passage.id}</span>
        <span className="evidence-source">{passage.source ?? 'knowledge base'}</span>
      </button>
      <p className="evidence-text" data-testid="evidence-text">
        {passage.text}
      </p>
      <div className="evidence-scores">
        {scores.map(([k, v]) => (
          <span key={k} className="score" title={k === 'fused' ? 'reciprocal rank fusion' : k}>
            {k} {v.toFixed(3)}
          </span>
        ))}
      </div>
    </article>
  );
}
