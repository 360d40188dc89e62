import { formatPersonName } from '../../../main/api/format.js';
import type { PatientSummary, SeriesSummary, StudyDocument, StudySummary } from '../../../main/api/studies.js';

/**
 * The worklist over `studies.list`: search, filter and sort client-side (10,000 studies are a few megabytes and a
 * few milliseconds to filter), then flattened into rows of known heights for the virtualised list.
 */

export type WorklistSort = 'date-desc' | 'date-asc' | 'name' | 'patient-id';

export interface WorklistQuery {
  /** Words that must all appear in the patient's name or ID, or the study's accession number or description. */
  text: string;
  /** '' for every modality */
  modality: string;
  /** ISO dates (an <input type=date>'s value), inclusive; '' for open-ended */
  from: string;
  to: string;
  sort: WorklistSort;
}

export const NO_QUERY: WorklistQuery = { text: '', modality: '', from: '', to: '', sort: 'date-desc' };

export interface PatientGroup {
  patient: PatientSummary;
  /** The patient's studies that match, in the sort's date order */
  studies: StudySummary[];
}

/** The patients with at least one matching study, each once, with only those studies. */
export function filterWorklist(patients: readonly PatientSummary[], q: WorklistQuery): PatientGroup[] {
  const terms = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  const from = isoToDa(q.from);
  const to = isoToDa(q.to);
  const groups: PatientGroup[] = [];
  for (const patient of patients) {
    const who = `${patient.name}\n${formatPersonName(patient.name)}\n${patient.patientId}`.toLowerCase();
    const studies = patient.studies.filter((s) => {
      if (q.modality && !s.modalities.includes(q.modality)) return false;
      if ((from || to) && !/^\d{8}$/.test(s.date)) return false;
      if (from && s.date < from) return false;
      if (to && s.date > to) return false;
      if (terms.length === 0) return true;
      const text = `${who}\n${s.accessionNumber}\n${s.description}`.toLowerCase();
      return terms.every((t) => text.includes(t));
    });
    if (studies.length > 0) groups.push({ patient, studies: studies.sort(q.sort === 'date-asc' ? byDateAsc : byDateDesc) });
  }
  // Names as shown, formatted once per patient rather than once per comparison.
  const shown = new Map(groups.map((g) => [g, formatPersonName(g.patient.name)]));
  const byName = (a: PatientGroup, b: PatientGroup) => COLLATOR.compare(shown.get(a)!, shown.get(b)!) || (a.patient.key < b.patient.key ? -1 : a.patient.key > b.patient.key ? 1 : 0);
  // Patients follow their first study in the sort's order (newest first: the patient with the newest study leads).
  const order: Record<WorklistSort, (a: PatientGroup, b: PatientGroup) => number> = {
    'date-desc': (a, b) => byDateDesc(a.studies[0]!, b.studies[0]!) || byName(a, b),
    'date-asc': (a, b) => byDateAsc(a.studies[0]!, b.studies[0]!) || byName(a, b),
    name: byName,
    'patient-id': (a, b) => ID_COLLATOR.compare(a.patient.patientId, b.patient.patientId) || byName(a, b),
  };
  return groups.sort(order[q.sort]);
}

/** Every modality in the list, for the filter. */
export function modalitiesOf(patients: readonly PatientSummary[]): string[] {
  return [...new Set(patients.flatMap((p) => p.studies.flatMap((s) => s.modalities)))].sort();
}

export type WorklistRow =
  | { kind: 'patient'; key: string; group: PatientGroup }
  | { kind: 'study'; key: string; patient: PatientSummary; study: StudySummary; expanded: boolean }
  | { kind: 'series'; key: string; patient: PatientSummary; study: StudySummary; series: SeriesSummary }
  | { kind: 'document'; key: string; document: StudyDocument };

/** Each row kind's height in CSS pixels: the list lays rows out by these, so the CSS must match them. */
export const ROW_HEIGHT: Record<WorklistRow['kind'], number> = { patient: 44, study: 40, series: 48, document: 40 };

/** Patients, their studies, and the series and documents of the expanded studies, in display order. */
export function worklistRows(groups: readonly PatientGroup[], isExpanded: (studyUid: string) => boolean): WorklistRow[] {
  const rows: WorklistRow[] = [];
  for (const group of groups) {
    const { patient } = group;
    rows.push({ kind: 'patient', key: `p:${patient.key}`, group });
    for (const study of group.studies) {
      const expanded = isExpanded(study.studyInstanceUid);
      rows.push({ kind: 'study', key: `s:${study.studyInstanceUid}`, patient, study, expanded });
      if (!expanded) continue;
      for (const series of study.series) rows.push({ kind: 'series', key: `se:${series.seriesInstanceUid}`, patient, study, series });
      for (const document of study.documents) rows.push({ kind: 'document', key: `d:${document.sopInstanceUid}`, document });
    }
  }
  return rows;
}

/** "2026-01-31" → "20260131"; anything else → '' (no bound). */
function isoToDa(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso.trim());
  return m ? `${m[1]}${m[2]}${m[3]}` : '';
}

const byDateDesc = (a: StudySummary, b: StudySummary) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0);
/** Oldest first; an undated study still last. */
const byDateAsc = (a: StudySummary, b: StudySummary) => ((a.date || '~') < (b.date || '~') ? -1 : (a.date || '~') > (b.date || '~') ? 1 : 0);
const COLLATOR = new Intl.Collator();
const ID_COLLATOR = new Intl.Collator(undefined, { numeric: true });
