import { useEffect, useState } from 'react';
import { formatPersonName, type CaseSummary } from '../../../main/api/index.js';
import { useClient } from '../transport/context.js';
import { CaseBadges } from './CaseBadges.js';
import { pct } from '../../../main/api/assessment.js';

/** Every stored case, newest first, searchable; click to reopen with its runs. `reloadOn`: the list is read again when it changes (the open case, re-read). */
export function CaseHistory({ onOpen, currentId, reloadOn }: { onOpen: (id: string) => void; currentId: string | null; reloadOn: unknown }) {
  const client = useClient();
  const [search, setSearch] = useState('');
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      client.call('cases.list', search.trim() ? { search } : {}).then(
        (r) => live && setCases(r.cases),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [client, search, reloadOn, tick]);
  const remove = async (c: CaseSummary) => {
    if (!window.confirm(`Delete the case "${c.title}" and its runs? The audit log keeps that it was deleted.`)) return;
    await client.call('cases.delete', { caseId: c.id }).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    setTick(tick + 1);
  };
  return (
    <div className="case-history" data-testid="case-history">
      <input type="search" aria-label="Search cases" placeholder="Search cases…" value={search} onChange={(e) => setSearch(e.target.value)} />
      {error && <p className="error">{error}</p>}
      {cases?.length === 0 && <p className="muted pad">No cases{search ? ' match' : ' yet'}.</p>}
      <ul>
        {cases?.map((c) => (
          <li key={c.id} className={c.id === currentId ? 'current' : ''} data-testid="case-row" data-status={c.status}>
            <button className="case-open" onClick={() => onOpen(c.id)}>
              <span className="case-title">
                {c.title}
                {c.synthetic && <span className="badge-synthetic">synthetic</span>}
              </span>
              {c.patient && (
                <span className="case-patient" data-testid="case-row-patient">
                  {formatPersonName(c.patient.name)} · ID {c.patient.patientId || 'none'}
                </span>
              )}
              <span className="muted">
                {c.status} · {c.runs} run{c.runs === 1 ? '' : 's'}
                {c.lastLetter ? ` · ${c.lastLetter} ${pct(c.lastConfidence)}` : ''} · {new Date(c.updatedAt).toLocaleString()}
              </span>
              <CaseBadges summary={c} />
            </button>
            <button className="icon" aria-label={`Delete case ${c.title}`} onClick={() => void remove(c)}>
              ✕
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
