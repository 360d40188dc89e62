import type { DataSet } from 'dicom-parser';
import { str } from './dataset.js';
import { normaliseDicomDate } from '../api/format.js';
import { readPatient, readStudy, requiredUid, type InstanceRecord } from './record.js';

/** What the index keeps of a structured report: where it sits and how it is named; it is read when opened. */
export interface DocumentRecord {
  patient: InstanceRecord['patient'];
  study: InstanceRecord['study'];
  document: { sopUid: string; sopClassUid: string; seriesUid: string; modality: string; title: string; date: string; time: string; path: string; fileSize: number; fileMtimeMs?: number };
}

export function readDocumentRecord(ds: DataSet, path: string, fileSize: number): DocumentRecord {
  const uid = (tag: string, name: string) => requiredUid(ds, tag, name);
  const sopUid = uid('x00080018', 'SOPInstanceUID');
  const studyUid = uid('x0020000d', 'StudyInstanceUID');
  const seriesUid = uid('x0020000e', 'SeriesInstanceUID');
  // The document title is the root content item's concept name (PS3.3 C.17.3).
  const title = ds.elements['x0040a043']?.items?.[0]?.dataSet?.string('x00080104')?.trim() || str(ds, 'x0008103e') || 'Structured report';
  return {
    patient: readPatient(ds, studyUid),
    study: readStudy(ds, studyUid),
    document: { sopUid, sopClassUid: uid('x00080016', 'SOPClassUID'), seriesUid, modality: str(ds, 'x00080060'), title, date: normaliseDicomDate(str(ds, 'x0008a121') || str(ds, 'x00080023')), time: str(ds, 'x0008a122') || str(ds, 'x00080033'), path, fileSize },
  };
}
