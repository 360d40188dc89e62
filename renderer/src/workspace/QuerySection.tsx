import type { EvidencePassage } from '../../../main/api/index.js';
import { EvidenceCard } from './EvidenceCard.js';

/** One query the model asked, with what came back for it (or that nothing did). */
export function QuerySection({ query, passages, running }: { query: string; passages: readonly EvidencePassage[] | null; running: boolean }) {
  return (
    <div className="query-section" data-testid="query-section">
      <div className="query-chip" data-testid="query-chip">
        <span className="query-label">Query</span> {query}
      </div>
      {passages === null ? (
        <p className="muted">{running ? 'Retrieving…' : 'Nothing was retrieved for this query.'}</p>
      ) : (
        <div className="evidence-group" data-testid="evidence-group">
          {passages.length === 0 ? <p className="muted">No evidence found.</p> : passages.map((p) => <EvidenceCard key={p.id + p.rank} passage={p} />)}
        </div>
      )}
    </div>
  );
}
