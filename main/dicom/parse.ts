import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError, NOT_PART10, parserMessage } from './dataset.js';
import { boundedInflate } from './inflate.js';

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

function describeParseError(err: unknown): string {
  const text = parserMessage(err);
  if (/missing required meta header attribute 0002,0010/.test(text)) return 'no transfer syntax: the file meta header lacks (0002,0010) TransferSyntaxUID';
  if (/overrun|overread|past end|eof encountered|cannot be greater than or equal to 'byteArray' length|maxP ?osition/i.test(text)) {
    return `truncated or corrupt: an element runs past the end of the file (${text})`;
  }
  return `unreadable DICOM: ${text}`;
}

