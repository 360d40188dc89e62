import { PacsError } from './http.js';

/** One object of a QIDO-RS reply (DICOM JSON, PS3.18 F.2): tag "GGGGEEEE" → { vr, Value }. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

/** Parses a QIDO-RS body; anything but a JSON array of objects is a malformed reply, named as such. */
export function parseQidoReply(body: Buffer, where: string): DicomJson[] {
  if (body.length === 0) return []; // 204 No Content: no matches
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PacsError('malformed', `${where} sent a QIDO-RS reply that is not JSON (${(err as Error).message}). It may not be a DICOMweb server; check the base URL.`);
  }
  if (!Array.isArray(parsed) || parsed.some((o) => typeof o !== 'object' || o === null || Array.isArray(o))) {
    throw new PacsError('malformed', `${where} sent a QIDO-RS reply that is not a DICOM JSON list of datasets. It may not be a DICOMweb server; check the base URL.`);
  }
  return parsed as DicomJson[];
}

export function str(ds: DicomJson, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: unknown }).Alphabetic ?? '');
  return String(v);
}

export function strs(ds: DicomJson, tag: string): string[] {
  return (ds[tag]?.Value ?? []).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number').map(String);
}

export function num(ds: DicomJson, tag: string): number | null {
  const v = Number(ds[tag]?.Value?.[0]);
  return ds[tag]?.Value?.length && Number.isFinite(v) ? v : null;
}

/** A UID from the reply; one that is not a UID is refused (it would become a file name). */
export function uidOf(ds: DicomJson, tag: string, where: string): string {
  const u = str(ds, tag);
  if (!/^[0-9]+(\.[0-9]+)*$/.test(u) || u.length > 64) throw new PacsError('malformed', `${where} sent a QIDO-RS reply whose ${tag} is not a DICOM UID ("${u.slice(0, 70)}").`);
  return u;
}
