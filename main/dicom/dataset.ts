import type { DataSet } from 'dicom-parser';

/** DICOM values and the error every part of main/dicom reports with (no imports from the rest of main/dicom). */

/** A DICOM file that cannot be read or lacks what we need; `message` names the specific reason for the user. */
export class DicomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomError';
  }
}

export const NOT_PART10 = 'not a DICOM Part 10 file (no "DICM" prefix at byte 128)';

/** The text of what dicom-parser threw (a string, an Error or an object with `exception`), without its function name. */
export function parserMessage(err: unknown): string {
  const raw = typeof err === 'string' ? err : err instanceof Error ? err.message : typeof err === 'object' && err && 'exception' in err ? String((err as { exception: unknown }).exception) : String(err);
  return raw.replace(/^dicomParser[.:][\w.]+: ?/, '');
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
