import { describe, expect, it } from 'vitest';
import type { PatientSummary, StudySummary } from '../../../main/api/studies.js';
import { filterWorklist, modalitiesOf, NO_QUERY, ROW_HEIGHT, worklistRows, type WorklistQuery } from './worklist.js';

function study(uid: string, date: string, modality: string, description: string, accession: string, series = 1): StudySummary {
  return {
    studyInstanceUid: uid,
    date,
    description,
    accessionNumber: accession,
    modalities: [modality],
    series: Array.from({ length: series }, (_, i) => ({ seriesInstanceUid: `${uid}.${i}`, seriesNumber: i + 1, modality, description: '', instanceCount: 1, frameCount: 1 })),
    documents: [],
  };
}

const PATIENTS: PatientSummary[] = [
  { key: 'P1', patientId: 'P1', name: 'DOE^JANE', birthDate: '19700101', sex: 'F', studies: [study('1.1', '20250310', 'CT', 'CT chest', 'ACC-100'), study('1.2', '20260105', 'MR', 'MR brain', 'ACC-101', 2)] },
  { key: 'P2', patientId: 'P2', name: 'ROE^RICK', birthDate: '', sex: 'M', studies: [study('2.1', '20251120', 'US', 'Echo', 'ACC-200')] },
  { key: 'X9', patientId: 'X9', name: '', birthDate: '', sex: '', studies: [study('3.1', '', 'CR', 'Chest PA', 'ACC-300')] },
];
const q = (patch: Partial<WorklistQuery>) => ({ ...NO_QUERY, ...patch });
const uids = (patch: Partial<WorklistQuery>) => filterWorklist(PATIENTS, q(patch)).map((g) => [g.patient.key, g.studies.map((s) => s.studyInstanceUid)]);

describe('the worklist', () => {
  it('lists each patient once with their studies, the patient with the newest study first', () => {
    expect(uids({})).toEqual([
      ['P1', ['1.2', '1.1']],
      ['P2', ['2.1']],
      ['X9', ['3.1']],
    ]);
    expect(uids({ sort: 'date-asc' })).toEqual([
      ['P1', ['1.1', '1.2']],
      ['P2', ['2.1']],
      ['X9', ['3.1']],
    ]);
    expect(uids({ sort: 'name' }).map(([k]) => k)).toEqual(['X9', 'P1', 'P2']); // "(no name)" sorts before letters
    expect(uids({ sort: 'patient-id' }).map(([k]) => k)).toEqual(['P1', 'P2', 'X9']);
  });

  it('finds by name (raw or as shown), patient ID, accession number and description, every word', () => {
    expect(uids({ text: 'jane' })).toEqual([['P1', ['1.2', '1.1']]]);
    expect(uids({ text: 'Doe, Jane' })).toEqual([['P1', ['1.2', '1.1']]]);
    expect(uids({ text: 'p2' })).toEqual([['P2', ['2.1']]]);
    expect(uids({ text: 'acc-101' })).toEqual([['P1', ['1.2']]]);
    expect(uids({ text: 'brain' })).toEqual([['P1', ['1.2']]]);
    expect(uids({ text: 'doe chest' })).toEqual([['P1', ['1.1']]]);
    expect(uids({ text: 'nobody' })).toEqual([]);
  });

  it('filters by modality and an inclusive date range; an undated study is left out of a date filter', () => {
    expect(uids({ modality: 'MR' })).toEqual([['P1', ['1.2']]]);
    expect(uids({ from: '2025-11-20' })).toEqual([
      ['P1', ['1.2']],
      ['P2', ['2.1']],
    ]);
    expect(uids({ from: '2025-01-01', to: '2025-11-20' })).toEqual([
      ['P2', ['2.1']],
      ['P1', ['1.1']],
    ]);
    expect(uids({ to: '2025-03-09' })).toEqual([]);
    expect(modalitiesOf(PATIENTS)).toEqual(['CR', 'CT', 'MR', 'US']);
  });

  it('flattens into rows: patients, studies, and the series and documents of expanded studies only', () => {
    const rows = worklistRows(filterWorklist(PATIENTS, NO_QUERY), (uid) => uid === '1.2');
    expect(rows.map((r) => r.key)).toEqual(['p:P1', 's:1.2', 'se:1.2.0', 'se:1.2.1', 's:1.1', 'p:P2', 's:2.1', 'p:X9', 's:3.1']);
    expect(rows.every((r) => ROW_HEIGHT[r.kind] > 0)).toBe(true);
  });
});
