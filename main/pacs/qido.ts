import { StudyQuery, type RemoteSeries, type RemoteStudy } from '../api/pacs.js';
import type { AppContext } from '../app/context.js';
import { num, parseQidoReply, str, strs, uidOf, type DicomJson } from './dicom-json.js';
import { pacsGet } from './http.js';
import { findNode, type StoredNode } from './nodes.js';

const JSON_ACCEPT = 'application/dicom+json';

export const where = (n: StoredNode) => `The PACS node "${n.name}" (${n.url})`;

/** QIDO-RS studies; fields are matched as DICOM says (`*`/`?` wildcards in names, a DA range for dates). */
export async function queryStudies(ctx: AppContext, input: StudyQuery): Promise<RemoteStudy[]> {
  const q = StudyQuery.parse(input);
  const node = findNode(ctx.dataDir, q.nodeId);
  const params = new URLSearchParams();
  if (q.patientName) params.set('PatientName', q.patientName);
  if (q.patientId) params.set('PatientID', q.patientId);
  if (q.birthDate) params.set('PatientBirthDate', q.birthDate);
  if (q.accessionNumber) params.set('AccessionNumber', q.accessionNumber);
  if (q.studyDateFrom || q.studyDateTo) params.set('StudyDate', `${q.studyDateFrom ?? ''}-${q.studyDateTo ?? ''}`);
  if (q.modality) params.set('ModalitiesInStudy', q.modality);
  for (const f of ['PatientName', 'PatientID', 'PatientBirthDate', 'StudyDescription', 'ModalitiesInStudy', 'NumberOfStudyRelatedSeries', 'NumberOfStudyRelatedInstances']) params.append('includefield', f);
  params.set('limit', String(q.limit));
  const res = await pacsGet(node, `/studies?${queryString(params)}`, JSON_ACCEPT);
  const rows = parseQidoReply(res.body, where(node)).map((ds) => study(ds, node));
  const local = localCounts(ctx, rows.map((r) => r.studyInstanceUid));
  return rows.map((r) => ({ ...r, localInstances: local.get(r.studyInstanceUid) ?? 0 }));
}

export async function querySeries(ctx: AppContext, nodeId: string, studyUid: string): Promise<RemoteSeries[]> {
  const node = findNode(ctx.dataDir, nodeId);
  const res = await pacsGet(node, `/studies/${studyUid}/series?includefield=NumberOfSeriesRelatedInstances&includefield=SeriesDescription`, JSON_ACCEPT);
  return parseQidoReply(res.body, where(node))
    .map((ds) => ({
      seriesInstanceUid: uidOf(ds, '0020000E', where(node)),
      seriesNumber: num(ds, '00200011'),
      modality: str(ds, '00080060'),
      description: str(ds, '0008103E'),
      instanceCount: num(ds, '00201209'),
    }))
    .sort((a, b) => (a.seriesNumber ?? Infinity) - (b.seriesNumber ?? Infinity));
}

/** The SOP instance UIDs (with their series) of a study or one series: what a retrieve must end up with. */
export async function listInstances(node: StoredNode, studyUid: string, seriesUid: string | null, signal: AbortSignal): Promise<{ seriesUid: string; sopUid: string }[]> {
  const path = seriesUid ? `/studies/${studyUid}/series/${seriesUid}/instances` : `/studies/${studyUid}/instances`;
  const res = await pacsGet(node, `${path}?includefield=0020000E`, JSON_ACCEPT, signal);
  return parseQidoReply(res.body, where(node)).map((ds: DicomJson) => ({
    seriesUid: seriesUid ?? uidOf(ds, '0020000E', where(node)),
    sopUid: uidOf(ds, '00080018', where(node)),
  }));
}

/**
 * Like URLSearchParams' string, but `^`, `*` and `?` go unescaped: they are legal in a query (RFC 3986) and some
 * archives (Orthanc 1.10's DICOMweb plugin) match PN wildcards only when they arrive literally.
 */
export function queryString(params: URLSearchParams): string {
  return [...params].map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%5E/gi, '^').replace(/%3F/gi, '?')}`).join('&');
}

function study(ds: DicomJson, node: StoredNode): Omit<RemoteStudy, 'localInstances'> {
  return {
    studyInstanceUid: uidOf(ds, '0020000D', where(node)),
    patientName: str(ds, '00100010'),
    patientId: str(ds, '00100020'),
    birthDate: str(ds, '00100030'),
    date: str(ds, '00080020'),
    accessionNumber: str(ds, '00080050'),
    description: str(ds, '00081030'),
    modalities: strs(ds, '00080061'),
    seriesCount: num(ds, '00201206'),
    instanceCount: num(ds, '00201208'),
    nodeId: node.id,
  };
}

function localCounts(ctx: AppContext, studyUids: string[]): Map<string, number> {
  if (studyUids.length === 0) return new Map();
  const rows = ctx.services.db
    .prepare<string[], { uid: string; n: number }>(
      `SELECT s.study_uid AS uid, COUNT(i.sop_uid) AS n FROM series s JOIN instances i ON i.series_uid = s.series_uid
       WHERE s.study_uid IN (${studyUids.map(() => '?').join(',')}) GROUP BY s.study_uid`,
    )
    .all(...studyUids);
  return new Map(rows.map((r) => [r.uid, r.n]));
}
