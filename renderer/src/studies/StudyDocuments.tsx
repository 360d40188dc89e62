import { useEffect, useState } from 'react';
import type { StudyDocument } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { SrPanel } from '../viewer/SrPanel.js';
import { formatDicomDate } from '../viewer/series.js';

/** A study's structured reports (SR, Key Object Selection); one opens in the SR panel. `version` reloads the list. */
export function StudyDocuments({ studyInstanceUid, version }: { studyInstanceUid: string; version: unknown }) {
  const client = useClient();
  const [documents, setDocuments] = useState<StudyDocument[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    client.call('studies.documents', { studyInstanceUid }).then(
      (r) => setDocuments(r.documents),
      () => setDocuments([]),
    );
  }, [client, studyInstanceUid, version]);
  if (documents.length === 0) return null;
  return (
    <>
      <ul className="series-list sr-list">
        {documents.map((d) => (
          <li key={d.sopInstanceUid}>
            <button className="series-item" data-testid="sr-item" data-sop-uid={d.sopInstanceUid} onClick={() => setOpen(d.sopInstanceUid)} title="Structured report">
              <span className="thumb thumb-missing">SR</span>
              <span className="series-text">
                <span className="series-desc">{d.title}</span>
                <span className="muted">{formatDicomDate(d.date)}</span>
              </span>
            </button>
          </li>
        ))}
      </ul>
      {open && <SrPanel sopInstanceUid={open} onClose={() => setOpen(null)} />}
    </>
  );
}
