import { readFile, stat } from 'node:fs/promises';
import { ApiError } from '../api/errors.js';
import type { SrDocument, SrItem, StudyDocument } from '../api/studies.js';
import type { AppContext } from '../app/context.js';
import { readPart10 } from './dcmjs.js';

/**
 * Imported structured reports, read with dcmjs into a flat, readable tree. An SR holds text and references, no
 * pixels: it is read on the API thread, within a size and depth bound so a hostile file cannot run it out of memory.
 */
const MAX_SR_BYTES = 16 * 1024 * 1024;
const MAX_DEPTH = 64;
const MAX_ITEMS = 50_000;

export function studyDocuments(ctx: AppContext, studyUid: string): StudyDocument[] {
  return ctx.services.db
    .prepare<[string], StudyDocument>(
      `SELECT sop_uid AS sopInstanceUid, series_uid AS seriesInstanceUid, sop_class_uid AS sopClassUid, title, date, time
       FROM documents WHERE study_uid = ? ORDER BY date DESC, time DESC, sop_uid`,
    )
    .all(studyUid);
}

export async function readSrDocument(ctx: AppContext, sopUid: string): Promise<SrDocument> {
  const row = ctx.services.db.prepare<[string], { path: string }>('SELECT path FROM documents WHERE sop_uid = ?').get(sopUid);
  if (!row) throw new ApiError('not_found', `No structured report ${sopUid} in the database.`);
  let bytes: Buffer;
  try {
    const size = (await stat(row.path)).size;
    if (size > MAX_SR_BYTES) throw new ApiError('bad_request', `The structured report ${sopUid} is ${size} bytes, over the ${MAX_SR_BYTES}-byte limit for a report.`);
    bytes = await readFile(row.path);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('not_found', `The file of structured report ${sopUid} is no longer at ${row.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); import it again from where it is now.`);
  }
  let ds: Record<string, unknown>;
  try {
    ds = readPart10(bytes);
  } catch (err) {
    throw new ApiError('bad_request', `Cannot read the structured report ${sopUid}: ${(err as Error).message}`);
  }
  return srDocument(ds);
}

type Item = Record<string, unknown>;

/** The readable form of a naturalized SR dataset. */
export function srDocument(ds: Item): SrDocument {
  const content: SrItem[] = [];
  const walk = (items: Item[], depth: number) => {
    if (depth > MAX_DEPTH) throw new ApiError('bad_request', `The structured report nests deeper than ${MAX_DEPTH} levels.`);
    for (const item of items) {
      if (content.length >= MAX_ITEMS) throw new ApiError('bad_request', `The structured report has more than ${MAX_ITEMS} content items.`);
      content.push(contentItem(item, depth));
      walk(seq(item.ContentSequence), depth + 1);
    }
  };
  walk(seq(ds.ContentSequence), 0);
  return {
    sopInstanceUid: text(ds.SOPInstanceUID),
    sopClassUid: text(ds.SOPClassUID),
    title: codeOf(ds.ConceptNameCodeSequence)?.meaning ?? 'Structured report',
    patientName: personName(ds.PatientName),
    patientId: text(ds.PatientID),
    studyInstanceUid: text(ds.StudyInstanceUID),
    date: text(ds.ContentDate),
    time: text(ds.ContentTime),
    completion: text(ds.CompletionFlag),
    verification: text(ds.VerificationFlag),
    verifyingObservers: seq(ds.VerifyingObserverSequence).map((o) => ({ name: personName(o.VerifyingObserverName), organization: text(o.VerifyingOrganization), dateTime: text(o.VerificationDateTime) })),
    content,
  };
}

function contentItem(item: Item, depth: number): SrItem {
  const valueType = text(item.ValueType);
  const base = { depth, relationship: text(item.RelationshipType), valueType, concept: codeOf(item.ConceptNameCodeSequence)?.meaning ?? '' };
  // By-reference relationship (PS3.3 C.17.3.2.5): it points at another item of this tree by its position.
  if (!valueType && item.ReferencedContentItemIdentifier !== undefined) return { ...base, valueType: 'REFERENCE', value: `see item ${list(item.ReferencedContentItemIdentifier).join('.')}` };
  switch (valueType) {
    case 'TEXT':
      return { ...base, value: text(item.TextValue) };
    case 'NUM': {
      const m = seq(item.MeasuredValueSequence)[0];
      const unit = codeOf(m?.MeasurementUnitsCodeSequence);
      const value = m ? text(m.NumericValue) : '';
      return { ...base, value: value && unit ? `${value} ${unit.value === '1' ? '' : unit.value}`.trim() : value || 'no value', ...(unit ? { unit: unit.value } : {}) };
    }
    case 'CODE': {
      const c = codeOf(item.ConceptCodeSequence);
      return { ...base, value: c?.meaning ?? '', ...(c ? { code: c } : {}) };
    }
    case 'PNAME':
      return { ...base, value: personName(item.PersonName) };
    case 'DATE':
      return { ...base, value: text(item.Date) };
    case 'TIME':
      return { ...base, value: text(item.Time) };
    case 'DATETIME':
      return { ...base, value: text(item.DateTime) };
    case 'UIDREF':
      return { ...base, value: text(item.UID) };
    case 'IMAGE':
    case 'COMPOSITE':
    case 'WAVEFORM': {
      const r = seq(item.ReferencedSOPSequence)[0];
      if (!r) return { ...base, value: 'no reference' };
      const frames = list(r.ReferencedFrameNumber).map(Number).filter(Number.isInteger);
      const reference = { sopClassUid: text(r.ReferencedSOPClassUID), sopInstanceUid: text(r.ReferencedSOPInstanceUID), frames };
      return { ...base, value: `${reference.sopInstanceUid}${frames.length ? ` frame ${frames.join(', ')}` : ''}`, reference };
    }
    case 'SCOORD':
    case 'SCOORD3D':
      return { ...base, value: `${text(item.GraphicType)} ${list(item.GraphicData).join(' ')}`.trim() };
    default:
      return { ...base, value: '' };
  }
}

/** dcmjs gives a one-item sequence (or a single value) sometimes as the item itself. */
function list(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

function seq(v: unknown): Item[] {
  return list(v).filter((x): x is Item => typeof x === 'object' && x !== null);
}

function text(v: unknown): string {
  const first = list(v)[0];
  return first === undefined || first === null ? '' : String(first).trim();
}

function codeOf(v: unknown): { scheme: string; value: string; meaning: string } | undefined {
  const c = seq(v)[0];
  return c ? { scheme: text(c.CodingSchemeDesignator), value: text(c.CodeValue ?? c.LongCodeValue ?? c.URNCodeValue), meaning: text(c.CodeMeaning) } : undefined;
}

/** DICOM PN as stored (components joined by ^): dcmjs gives a string or { Alphabetic }. */
function personName(v: unknown): string {
  const first = list(v)[0];
  if (first && typeof first === 'object') return text((first as { Alphabetic?: unknown }).Alphabetic);
  return text(first);
}
