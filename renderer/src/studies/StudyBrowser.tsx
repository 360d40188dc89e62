import type { PatientSummary, SeriesSummary, StudySummary } from '../../../main/api/studies.js';
import { formatDicomDate, formatPersonName } from '../viewer/series.js';
import { SERIES_DRAG_TYPE } from '../viewer/StackViewportView.js';
import { StudyDocuments } from './StudyDocuments.js';

interface Props {
  patients: PatientSummary[] | null;
  error: string | null;
  openSeriesUid: string | null;
  onOpen: (patient: PatientSummary, study: StudySummary, series: SeriesSummary) => void;
}

/** Patients → studies → series with thumbnails; click a series to show it, or drag it onto a viewport. */
export function StudyBrowser({ patients, error, openSeriesUid, onOpen }: Props) {
  if (error) return <p className="error">Cannot list studies: {error}</p>;
  if (!patients) return <p className="muted">Loading studies…</p>;
  if (patients.length === 0) return <p className="muted">No studies yet. Import a folder of DICOM files above.</p>;
  return (
    <div className="study-tree" data-testid="study-browser">
      {patients.map((p) => (
        <section className="patient" key={p.key}>
          <header className="patient-head" title={p.patientId}>
            <span className="patient-name">{formatPersonName(p.name)}</span>
            <span className="muted">
              {[p.patientId, p.sex, formatDicomDate(p.birthDate)].filter(Boolean).join(' · ')}
            </span>
          </header>
          {p.studies.map((s) => (
            <div className="study" key={s.studyInstanceUid}>
              <div className="study-head">
                <span>{s.description || '(no description)'}</span>
                <span className="muted">
                  {formatDicomDate(s.date)} · {s.modalities.join('/')}
                </span>
              </div>
              <ul className="series-list">
                {s.series.map((se) => (
                  <li key={se.seriesInstanceUid}>
                    <button
                      className={`series-item${se.seriesInstanceUid === openSeriesUid ? ' open' : ''}`}
                      data-testid="series-item"
                      data-series-uid={se.seriesInstanceUid}
                      data-description={se.description}
                      draggable
                      onDragStart={(e) => e.dataTransfer.setData(SERIES_DRAG_TYPE, se.seriesInstanceUid)}
                      onClick={() => onOpen(p, s, se)}
                      title={`${se.modality} series ${se.seriesNumber ?? ''} ${se.description}`}
                    >
                      {se.thumbnail ? <img className="thumb" src={se.thumbnail} alt="" /> : <span className="thumb thumb-missing">{se.modality}</span>}
                      <span className="series-text">
                        <span className="series-desc">{se.description || `Series ${se.seriesNumber ?? ''}`}</span>
                        <span className="muted">
                          {se.modality || '—'} · {se.instanceCount} img{se.frameCount > se.instanceCount ? ` · ${se.frameCount} fr` : ''}
                        </span>
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              <StudyDocuments studyInstanceUid={s.studyInstanceUid} version={patients} />
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
