import { createHash } from 'node:crypto';
import { formatPersonName } from '../api/format.js';
import type { ReportModel } from './model.js';

export const REMOVED = '[removed]';
// `at`: when a reader reviewed the run (the reader's name stays: it is not patient data).
const DATE_KEYS = new Set(['createdAt', 'updatedAt', 'generatedAt', 'startedAt', 'endedAt', 'birthDate', 'studyDate', 'at']);
const DROP_KEYS = new Set(['accessionNumber', 'institution']);

/**
 * A copy of the report with the patient's name, ID, dates (so the age too), accession and institution removed, DICOM UIDs replaced by stable pseudonyms
 * (2.25.<digits of a hash>, so the same study still links across reports) and any occurrence of the name or ID in
 * free text (question, trace, passages, labels) blanked. Pixels are not touched: burnt-in text stays.
 */
export function deidentifyReport(model: ReportModel): ReportModel {
  const needles = identifyingStrings(model);
  const uids = [...collectUids(model)].sort((a, b) => b.length - a.length);
  // UIDs also turn up in free text (an error message naming an instance): they get the same pseudonym there.
  const scrub = (s: string) => needles.reduce((acc, n) => acc.split(n).join(REMOVED), uids.reduce((acc, u) => acc.split(u).join(pseudonymUid(u)), s));
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') {
      if (value.startsWith('data:image/')) return value;
      if (DATE_KEYS.has(key)) return value ? REMOVED : value;
      if (DROP_KEYS.has(key)) return value ? REMOVED : value;
      if (/Uid$/.test(key)) return pseudonymUid(value);
      return scrub(value);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    return value;
  };
  const out = walk(model, '') as ReportModel;
  if (out.patient) {
    out.patient.name = 'ANONYMOUS';
    out.patient.id = model.patient?.id ? `ANON-${hash(model.patient.id).slice(0, 8)}` : '';
  }
  out.deidentified = true;
  return out;
}

function collectUids(value: unknown, key = '', into = new Set<string>()): Set<string> {
  if (typeof value === 'string' && /Uid$/.test(key) && value) into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectUids(v, key, into);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collectUids(v, k, into);
  return into;
}

/** The name (whole, each part of a DICOM PN, as printed), the patient ID, the accession and institution, longest first. */
function identifyingStrings(model: ReportModel): string[] {
  const p = model.patient;
  if (!p) return [];
  const parts = [p.name, p.name.replace(/\^+/g, ' ').trim(), formatPersonName(p.name), ...p.name.split(/[\^=\s,]+/), p.id, p.accessionNumber, p.institution];
  return [...new Set(parts.map((s) => s.trim()).filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
}

export function pseudonymUid(uid: string): string {
  if (!uid) return uid;
  // 2.25 is the UUID-derived root: any decimal below 2^128 is a valid UID; 30 digits stay well inside it.
  return '2.25.' + BigInt('0x' + hash(uid).slice(0, 24)).toString();
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
