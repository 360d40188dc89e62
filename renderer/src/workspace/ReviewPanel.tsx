import { useState } from 'react';
import { formatTimestamp, type Review, type ReviewVerdict } from '../../../main/api/index.js';
import { useClient } from '../transport/context.js';

const VERDICT: Record<ReviewVerdict, string> = { agree: 'Agrees', disagree: 'Disagrees', edit: 'Edited the answer' };

/**
 * The reader's review of a finished run (agree, disagree, or edit the answer, with a note): stored append-only and
 * audited on the server, printed in the report as the attestation. Earlier reviews of the run stay listed.
 */
export function ReviewPanel({ caseId, runId, reviews, onSaved }: { caseId: string; runId: string; reviews: readonly Review[]; onSaved: () => void }) {
  const client = useClient();
  const [verdict, setVerdict] = useState<ReviewVerdict>('agree');
  const [note, setNote] = useState('');
  const [edited, setEdited] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const mine = reviews.filter((r) => r.runId === runId);
  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      await client.call('cases.review', { caseId, runId, verdict, note, ...(verdict === 'edit' ? { editedAnswer: edited } : {}) });
      setVerdict('agree');
      setNote('');
      setEdited('');
      onSaved();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };
  return (
    <section className="review" data-testid="review">
      <header>Your review</header>
      {mine.map((r) => (
        <div key={r.id} className={`review-entry verdict-${r.verdict}`} data-testid="review-entry" data-verdict={r.verdict}>
          <strong>{VERDICT[r.verdict]}</strong>
          {r.editedAnswer && <span> · answer: “{r.editedAnswer}”</span>}
          {r.note && <span> · {r.note}</span>}
          <div className="muted">
            {r.user} · {formatTimestamp(r.at)}
          </div>
        </div>
      ))}
      <div className="review-form" role="radiogroup" aria-label="Verdict">
        {(['agree', 'disagree', 'edit'] as const).map((v) => (
          <label key={v}>
            <input type="radio" name={`verdict-${runId}`} value={v} checked={verdict === v} onChange={() => setVerdict(v)} /> {v === 'agree' ? 'Agree' : v === 'disagree' ? 'Disagree' : 'Edit answer'}
          </label>
        ))}
      </div>
      {verdict === 'edit' && <input aria-label="Corrected answer" placeholder="Your answer" value={edited} onChange={(e) => setEdited(e.target.value)} />}
      <textarea aria-label="Review note" placeholder={verdict === 'disagree' ? 'Why you disagree (required)' : 'Note (optional)'} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />
      <div className="review-actions">
        <button data-testid="review-save" disabled={saving} onClick={() => void save()}>
          Record review
        </button>
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </div>
    </section>
  );
}
