import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { PacsNode, RemoteStudy } from '../../../main/api/pacs.js';
import { useClient } from '../transport/context.js';
import { NodePicker } from './NodePicker.js';
import { formatDicomDate, formatPersonName } from '../viewer/series.js';
import { NodeForm } from './NodeForm.js';
import { useRetrieve } from './useRetrieve.js';
import './pacs.css';

const FIELDS = [
  ['patientName', 'Patient name (DOE^J*)'],
  ['patientId', 'Patient ID'],
  ['accessionNumber', 'Accession'],
  ['modality', 'Modality'],
] as const;
type Field = (typeof FIELDS)[number][0] | 'birthDate' | 'studyDateFrom' | 'studyDateTo';

/** `<input type=date>` gives YYYY-MM-DD; DICOM wants YYYYMMDD. */
const da = (v: string) => v.replaceAll('-', '');

/**
 * Query a configured PACS (QIDO-RS) and retrieve a study (WADO-RS) into the local browser. Results are remote until
 * retrieved; the app talks only to the nodes configured here.
 */
export function PacsPanel({ onRetrieved }: { onRetrieved: () => void }) {
  const client = useClient();
  const [nodes, setNodes] = useState<PacsNode[]>([]);
  const [nodeId, setNodeId] = useState('');
  const [adding, setAdding] = useState(false);
  const [q, setQ] = useState<Partial<Record<Field, string>>>({});
  const [results, setResults] = useState<RemoteStudy[] | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const retrieve = useRetrieve(onRetrieved);

  const loadNodes = useCallback(
    () =>
      void client.call('pacs.nodes', {}).then((r) => {
        setNodes(r.nodes);
        setNodeId((id) => (r.nodes.some((n) => n.id === id) ? id : (r.nodes[0]?.id ?? '')));
      }),
    [client],
  );
  useEffect(loadNodes, [loadNodes]);

  const fail = (err: unknown) => setMessage({ error: true, text: err instanceof Error ? err.message : String(err) });

  const search = (e: FormEvent) => {
    e.preventDefault();
    const params = Object.fromEntries(Object.entries(q).filter(([, v]) => v && v.trim() !== '').map(([k, v]) => [k, k === 'birthDate' || k.startsWith('studyDate') ? da(v!) : v!.trim()]));
    setBusy(true);
    setMessage(null);
    client
      .call('pacs.queryStudies', { nodeId, ...params })
      .then((r) => setResults(r.studies), fail)
      .finally(() => setBusy(false));
  };

  const verify = () => {
    setMessage(null);
    client.call('pacs.verify', { nodeId }).then((r) => setMessage({ error: false, text: r.answered }), fail);
  };

  const input = (field: Field, label: string, type = 'text') => (
    <input aria-label={label} placeholder={type === 'text' ? label : undefined} type={type} value={q[field] ?? ''} onChange={(e) => setQ({ ...q, [field]: e.target.value })} />
  );

  return (
    <details className="pacs-panel" data-testid="pacs-panel">
      <summary>PACS</summary>
      {nodes.length > 0 && (
        <div className="pacs-row">
          <NodePicker nodes={nodes} nodeId={nodeId} onChange={setNodeId} />
          <button type="button" onClick={verify}>
            Verify
          </button>
          <button type="button" onClick={() => setAdding(!adding)}>
            {adding ? 'Close' : 'Add node'}
          </button>
        </div>
      )}
      {(adding || nodes.length === 0) && (
        <NodeForm
          onSaved={(n) => {
            setAdding(false);
            loadNodes();
            setNodeId(n.id);
          }}
        />
      )}
      {nodes.length > 0 && (
        <form className="pacs-form" onSubmit={search} aria-label="Query PACS">
          {FIELDS.map(([f, label]) => input(f, label))}
          <label className="pacs-inline">Born {input('birthDate', 'Birth date', 'date')}</label>
          <label className="pacs-inline">From {input('studyDateFrom', 'Study date from', 'date')}</label>
          <label className="pacs-inline">To {input('studyDateTo', 'Study date to', 'date')}</label>
          <button type="submit" disabled={busy}>
            {busy ? 'Searching…' : 'Search PACS'}
          </button>
        </form>
      )}
      {message && (
        <p className={message.error ? 'error' : 'muted'} role={message.error ? 'alert' : 'status'} data-testid="pacs-message">
          {message.text}
        </p>
      )}
      {results && (
        <ul className="pacs-results" data-testid="pacs-results">
          {results.length === 0 && <li className="muted">No studies match.</li>}
          {results.map((s) => {
            const mine = retrieve.current?.studyInstanceUid === s.studyInstanceUid ? retrieve.current : null;
            const running = mine?.state === 'running';
            const local = (st: RemoteStudy) => (mine?.state === 'completed' ? mine.done : st.localInstances);
            return (
              <li key={s.studyInstanceUid} className="pacs-study" data-testid="remote-study" data-study-uid={s.studyInstanceUid}>
                <div>
                  <span className="pacs-badge" title="On the PACS; retrieve it to open it here">
                    Remote
                  </span>{' '}
                  <strong>{formatPersonName(s.patientName)}</strong> <span className="muted">{s.patientId}</span>
                </div>
                <div className="muted">
                  {[formatDicomDate(s.date), s.accessionNumber && `Acc ${s.accessionNumber}`, s.modalities.join('/'), s.instanceCount !== null && `${s.instanceCount} img`, local(s) > 0 && `${local(s)} local`]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
                {s.description && <div>{s.description}</div>}
                <div className="pacs-row">
                  {running ? (
                    <>
                      <progress value={mine.done} max={mine.total ?? undefined} aria-label="Retrieve progress" />
                      <span data-testid="retrieve-progress">
                        {mine.done}/{mine.total ?? '?'} · {mine.label.replace(/^.*: /, '')}
                      </span>
                      <button type="button" onClick={() => void retrieve.cancel()}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button type="button" disabled={retrieve.current?.state === 'running'} onClick={() => void retrieve.start(s.nodeId, s.studyInstanceUid)}>
                      {mine?.state === 'cancelled' || mine?.state === 'failed' ? 'Resume retrieve' : 'Retrieve'}
                    </button>
                  )}
                  {mine && !running && (
                    <span data-testid="retrieve-status" data-state={mine.state} className={mine.error ? 'error' : 'muted'}>
                      {mine.error ??
                        (mine.state === 'completed'
                          ? `Retrieved: ${mine.done}/${mine.total ?? '?'} local (${mine.report?.fetched ?? 0} fetched, ${mine.report?.alreadyLocal ?? 0} already here)`
                          : `Cancelled at ${mine.done}/${mine.total ?? '?'}; the files fetched are kept`)}
                    </span>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </details>
  );
}
