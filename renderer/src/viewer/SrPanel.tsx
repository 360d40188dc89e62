import { useEffect, useState } from 'react';
import type { SrDocument } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { formatDicomDate, formatPersonName } from './series.js';
import './sr-panel.css';

/** A structured report read aloud: its items indented as the tree nests them, values with units, image references. */
export function SrPanel({ sopInstanceUid, onClose }: { sopInstanceUid: string; onClose: () => void }) {
  const client = useClient();
  // What was read, kept with the document it belongs to: another document shows "Reading…" until its own arrives.
  const [read, setRead] = useState<{ uid: string; doc: SrDocument | null; error: string | null } | null>(null);
  useEffect(() => {
    let live = true;
    client.call('instances.sr', { sopInstanceUid }).then(
      (doc) => live && setRead({ uid: sopInstanceUid, doc, error: null }),
      (err: unknown) => live && setRead({ uid: sopInstanceUid, doc: null, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
  }, [client, sopInstanceUid]);
  const doc = read?.uid === sopInstanceUid ? read.doc : null;
  const error = read?.uid === sopInstanceUid ? read.error : null;
  return (
    <div className="modal-backdrop sr-backdrop" onClick={onClose}>
      <div className="modal sr-panel" role="dialog" aria-label="Structured report" data-testid="sr-panel" onClick={(e) => e.stopPropagation()}>
        <header>
          <h2>{doc?.title ?? 'Structured report'}</h2>
          <button onClick={onClose} aria-label="Close">
            ×
          </button>
        </header>
        {error && <p className="error">{error}</p>}
        {!doc && !error && <p className="muted">Reading…</p>}
        {doc && (
          <>
            <p className="muted">
              {formatPersonName(doc.patientName)} · {doc.patientId} · {formatDicomDate(doc.date)} · {doc.completion} · {doc.verification}
            </p>
            {doc.verifyingObservers.map((o, i) => (
              <p key={i} data-testid="sr-observer">
                Verified by {formatPersonName(o.name)}
                {o.organization ? `, ${o.organization}` : ''} {o.dateTime ? `(${formatDicomDate(o.dateTime.slice(0, 8))} ${o.dateTime.slice(8, 10)}:${o.dateTime.slice(10, 12)})` : ''}
              </p>
            ))}
            <ul className="sr-tree" data-testid="sr-content">
              {doc.content.map((item, i) => (
                <li key={i} style={{ paddingLeft: `${item.depth * 1.25}em` }} data-value-type={item.valueType}>
                  {item.concept && <span className="sr-concept">{item.concept}: </span>}
                  <span className="sr-value">{item.value}</span>
                  {item.code && <span className="muted"> ({item.code.scheme} {item.code.value})</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
