import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatDicomDate, formatPersonName, formatSex } from '../../../main/api/format.js';
import type { PatientSummary, SeriesSummary, StudyDocument, StudySummary } from '../../../main/api/studies.js';
import { useClient } from '../transport/context.js';
import { SrPanel } from '../viewer/SrPanel.js';
import { SERIES_DRAG_TYPE } from '../viewer/StackViewportView.js';
import { rowOffsets, scrollToRow, visibleRange } from './windowing.js';
import { filterWorklist, modalitiesOf, NO_QUERY, ROW_HEIGHT, worklistRows, type PatientGroup, type WorklistQuery, type WorklistRow } from './worklist.js';
import './worklist.css';

interface Props {
  patients: PatientSummary[] | null;
  error: string | null;
  openSeriesUid: string | null;
  onOpen: (patient: PatientSummary, study: StudySummary, series: SeriesSummary) => void;
}

/** Up to this many matching studies show their series at once; a longer list opens a study on click. */
const AUTO_EXPAND_STUDIES = 12;

/**
 * The worklist: patients with their studies, searched, filtered and sorted; a study opens to its series (click one
 * to show it, or drag it onto a viewport) and its structured reports. Only the rows in view are in the DOM.
 */
export function Worklist({ patients, error, openSeriesUid, onOpen }: Props) {
  const [query, setQuery] = useState<WorklistQuery>(NO_QUERY);
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(new Map());
  const [report, setReport] = useState<string | null>(null);
  const groups = useMemo(() => filterWorklist(patients ?? [], query), [patients, query]);
  const modalities = useMemo(() => modalitiesOf(patients ?? []), [patients]);
  const studyCount = groups.reduce((n, g) => n + g.studies.length, 0);
  const openStudyUid = useMemo(() => studyOfSeries(groups, openSeriesUid), [groups, openSeriesUid]);
  const rows = useMemo(
    () => worklistRows(groups, (uid) => toggled.get(uid) ?? (studyCount <= AUTO_EXPAND_STUDIES || uid === openStudyUid)),
    [groups, toggled, studyCount, openStudyUid],
  );
  // Thumbnails are read per series as rows come into view; a fresh list (an import added some) reads them again.
  const thumbnails = useMemo(() => freshCache(patients), [patients]);
  const set = (patch: Partial<WorklistQuery>) => setQuery((q) => ({ ...q, ...patch }));
  const filtered = query.text.trim() !== '' || query.modality !== '' || query.from !== '' || query.to !== '';

  if (error) return <p className="error pad">Cannot list studies: {error}</p>;
  if (!patients) return <p className="muted pad">Loading studies…</p>;
  if (patients.length === 0) return <p className="muted pad">No studies yet. Import a folder of DICOM files above.</p>;
  return (
    <section className="worklist" data-testid="worklist">
      <div className="worklist-controls">
        <input type="search" aria-label="Search studies" placeholder="Search name, ID, accession, description" value={query.text} onChange={(e) => set({ text: e.target.value })} spellCheck={false} />
        <div className="worklist-line">
          <select aria-label="Modality" value={query.modality} onChange={(e) => set({ modality: e.target.value })}>
            <option value="">All modalities</option>
            {modalities.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <select aria-label="Sort" value={query.sort} onChange={(e) => set({ sort: e.target.value as WorklistQuery['sort'] })}>
            <option value="date-desc">Newest first</option>
            <option value="date-asc">Oldest first</option>
            <option value="name">Patient name</option>
            <option value="patient-id">Patient ID</option>
          </select>
        </div>
        <div className="worklist-line">
          <input type="date" aria-label="Study date from" title="Study date from" value={query.from} onChange={(e) => set({ from: e.target.value })} />
          <span className="muted">–</span>
          <input type="date" aria-label="Study date to" title="Study date to" value={query.to} onChange={(e) => set({ to: e.target.value })} />
        </div>
        <div className="worklist-line worklist-count" data-testid="worklist-count">
          <span>
            {groups.length} patient{groups.length === 1 ? '' : 's'} · {studyCount} stud{studyCount === 1 ? 'y' : 'ies'}
          </span>
          {filtered && (
            <button type="button" className="link" onClick={() => setQuery((q) => ({ ...NO_QUERY, sort: q.sort }))}>
              Clear
            </button>
          )}
        </div>
      </div>
      {rows.length === 0 ? (
        <p className="muted pad">No study matches.</p>
      ) : (
        <VirtualRows
          rows={rows}
          openSeriesUid={openSeriesUid}
          render={(row) => {
            switch (row.kind) {
              case 'patient':
                return <PatientRow group={row.group} />;
              case 'study':
                return <StudyRow study={row.study} expanded={row.expanded} onToggle={() => setToggled((m) => new Map(m).set(row.study.studyInstanceUid, !row.expanded))} />;
              case 'series':
                return <SeriesRow series={row.series} open={row.series.seriesInstanceUid === openSeriesUid} thumbnails={thumbnails} onOpen={() => onOpen(row.patient, row.study, row.series)} />;
              case 'document':
                return <DocumentRow document={row.document} onOpen={() => setReport(row.document.sopInstanceUid)} />;
            }
          }}
        />
      )}
      {report && <SrPanel sopInstanceUid={report} onClose={() => setReport(null)} />}
    </section>
  );
}

/** The scrolling box: a spacer as tall as every row, and only the rows in view (plus a few) placed in it. */
function VirtualRows({ rows, openSeriesUid, render }: { rows: WorklistRow[]; openSeriesUid: string | null; render: (row: WorklistRow) => ReactNode }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const offsets = useMemo(() => rowOffsets(rows.map((r) => ROW_HEIGHT[r.kind])), [rows]);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);
  // The series on screen comes into view when it changes (a case opened it, or another list put it elsewhere).
  useEffect(() => {
    const el = box.current;
    const index = rows.findIndex((r) => r.kind === 'series' && r.series.seriesInstanceUid === openSeriesUid);
    if (!el || index < 0) return;
    const to = scrollToRow(offsets, index, el.scrollTop, el.clientHeight);
    if (to !== null) el.scrollTop = to;
  }, [openSeriesUid]); // eslint-disable-line react-hooks/exhaustive-deps
  const { start, end } = visibleRange(offsets, scrollTop, height);
  return (
    <div className="worklist-scroll" ref={box} data-testid="study-browser" data-rows={rows.length} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div className="worklist-spacer" style={{ height: offsets[rows.length] }}>
        {rows.slice(start, end).map((row, i) => (
          <div key={row.key} className={`worklist-row row-${row.kind}`} data-row={start + i} style={{ top: offsets[start + i], height: ROW_HEIGHT[row.kind] }}>
            {render(row)}
          </div>
        ))}
      </div>
    </div>
  );
}

function PatientRow({ group }: { group: PatientGroup }) {
  const p = group.patient;
  const n = p.studies.length;
  const shown = group.studies.length;
  return (
    <header className="patient-head" data-testid="worklist-patient" data-patient-key={p.key} title={p.patientId}>
      <span className="patient-line">
        <span className="patient-name">{formatPersonName(p.name)}</span>
        <span className="muted">
          {shown < n ? `${shown} of ` : ''}
          {n} stud{n === 1 ? 'y' : 'ies'}
        </span>
      </span>
      <span className="muted patient-line">{[p.patientId, formatSex(p.sex), formatDicomDate(p.birthDate)].filter(Boolean).join(' · ')}</span>
    </header>
  );
}

function StudyRow({ study, expanded, onToggle }: { study: StudySummary; expanded: boolean; onToggle: () => void }) {
  const count = study.series.length + study.documents.length;
  return (
    <button type="button" className="study-head" data-testid="worklist-study" data-study-uid={study.studyInstanceUid} aria-expanded={expanded} onClick={onToggle}>
      <span className="study-line">
        <span className="study-caret">{expanded ? '▾' : '▸'}</span>
        <span className="study-date">{formatDicomDate(study.date) || 'no date'}</span>
        <span className="study-mod">{study.modalities.join('/') || (study.documents.length ? 'SR' : '—')}</span>
        <span className="study-desc">{study.description || '(no description)'}</span>
      </span>
      <span className="muted study-line">
        {study.accessionNumber ? `Acc ${study.accessionNumber} · ` : ''}
        {count} item{count === 1 ? '' : 's'}
      </span>
    </button>
  );
}

function SeriesRow({ series, open, thumbnails, onOpen }: { series: SeriesSummary; open: boolean; thumbnails: Map<string, string | null>; onOpen: () => void }) {
  const client = useClient();
  const uid = series.seriesInstanceUid;
  const [, drawn] = useState(0);
  const thumbnail = thumbnails.get(uid);
  useEffect(() => {
    if (thumbnails.has(uid)) return;
    let live = true;
    const keep = (t: string | null) => {
      thumbnails.set(uid, t);
      if (live) drawn((n) => n + 1);
    };
    client.call('series.thumbnail', { seriesInstanceUid: uid }).then(
      (r) => keep(r.thumbnail),
      () => keep(null),
    );
    return () => {
      live = false;
    };
  }, [client, uid, thumbnails]);
  return (
    <button
      className={`series-item${open ? ' open' : ''}`}
      data-testid="series-item"
      data-series-uid={uid}
      data-description={series.description}
      draggable
      onDragStart={(e) => e.dataTransfer.setData(SERIES_DRAG_TYPE, uid)}
      onClick={onOpen}
      title={`${series.modality} series ${series.seriesNumber ?? ''} ${series.description}`}
    >
      {thumbnail ? <img className="thumb" src={thumbnail} alt="" /> : <span className="thumb thumb-missing">{series.modality}</span>}
      <span className="series-text">
        <span className="series-desc">{series.description || `Series ${series.seriesNumber ?? ''}`}</span>
        <span className="muted">
          {series.modality || '—'} · {series.instanceCount} img{series.frameCount > series.instanceCount ? ` · ${series.frameCount} fr` : ''}
        </span>
      </span>
    </button>
  );
}

function DocumentRow({ document: d, onOpen }: { document: StudyDocument; onOpen: () => void }) {
  return (
    <button className="series-item" data-testid="sr-item" data-sop-uid={d.sopInstanceUid} onClick={onOpen} title="Structured report">
      <span className="thumb thumb-missing">SR</span>
      <span className="series-text">
        <span className="series-desc">{d.title}</span>
        <span className="muted">{formatDicomDate(d.date)}</span>
      </span>
    </button>
  );
}

/** An empty thumbnail cache for a version of the list. */
function freshCache(_version: unknown): Map<string, string | null> {
  return new Map();
}

function studyOfSeries(groups: readonly PatientGroup[], seriesUid: string | null): string | null {
  if (!seriesUid) return null;
  for (const g of groups) for (const s of g.studies) if (s.series.some((se) => se.seriesInstanceUid === seriesUid)) return s.studyInstanceUid;
  return null;
}
