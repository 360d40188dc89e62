import dicomParser, { type DataSet } from 'dicom-parser';
import { boundedInflate } from './inflate.js';

/** A DICOM file that cannot be read or lacks what we need; `message` names the specific reason for the user. */
export class DicomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomError';
  }
}

export const NOT_PART10 = 'not a DICOM Part 10 file (no "DICM" prefix at byte 128)';

/**
 * Parses a DICOM Part 10 file. dicom-parser throws strings and generic errors; these become DicomErrors with a
 * reason a user can act on (not DICOM, truncated, no transfer syntax, …). `untilTag` stops before pixel data for
 * fast indexing. The deflated transfer syntax is inflated within the decode budget (see boundedInflate).
 */
export function parseDicom(bytes: Uint8Array, opts: { untilTag?: string } = {}): DataSet {
  if (bytes.length < 132 || String.fromCharCode(bytes[128]!, bytes[129]!, bytes[130]!, bytes[131]!) !== 'DICM') {
    throw new DicomError(NOT_PART10);
  }
  let ds: DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { ...(opts.untilTag ? { untilTag: opts.untilTag } : {}), inflater: INFLATER });
  } catch (err) {
    if (err instanceof DicomError) throw err;
    throw new DicomError(describeParseError(err));
  }
  return ds;
}

/** dicom-parser's typings say the inflater returns nothing; the parser reads the array it returns. */
const INFLATER = boundedInflate as unknown as (bytes: Uint8Array, position: number) => void;

/** The text of what dicom-parser threw (a string, an Error or an object with `exception`), without its function name. */
export function parserMessage(err: unknown): string {
  const raw = typeof err === 'string' ? err : err instanceof Error ? err.message : typeof err === 'object' && err && 'exception' in err ? String((err as { exception: unknown }).exception) : String(err);
  return raw.replace(/^dicomParser[.:][\w.]+: ?/, '');
}

function describeParseError(err: unknown): string {
  const text = parserMessage(err);
  if (/missing required meta header attribute 0002,0010/.test(text)) return 'no transfer syntax: the file meta header lacks (0002,0010) TransferSyntaxUID';
  if (/overrun|overread|past end|eof encountered|cannot be greater than or equal to 'byteArray' length|maxP ?osition/i.test(text)) {
    return `truncated or corrupt: an element runs past the end of the file (${text})`;
  }
  return `unreadable DICOM: ${text}`;
}

/** A trimmed string attribute, '' when absent. */
export function str(ds: DataSet, tag: string): string {
  return (ds.string(tag) ?? '').trim();
}

/** A numeric (DS/IS or binary) attribute, null when absent or not a number. */
export function num(ds: DataSet, tag: string, index = 0): number | null {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return null;
  let v: number | undefined;
  switch (el.vr) {
    case 'US': v = ds.uint16(tag, index); break;
    case 'SS': v = ds.int16(tag, index); break;
    case 'UL': v = ds.uint32(tag, index); break;
    case 'SL': v = ds.int32(tag, index); break;
    case 'FL': v = ds.float(tag, index); break;
    case 'FD': v = ds.double(tag, index); break;
    default: v = ds.floatString(tag, index);
  }
  return v === undefined || !Number.isFinite(v) ? null : v;
}

/** A US attribute read as binary whatever the VR dictionary says (implicit VR files carry no VR). */
export function us(ds: DataSet, tag: string, index = 0): number | null {
  const el = ds.elements[tag];
  if (!el || el.length < 2 * (index + 1)) return null;
  return ds.uint16(tag, index) ?? null;
}
