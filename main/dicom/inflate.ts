import dicomParser from 'dicom-parser';
import { constants, inflateRawSync } from 'node:zlib';
import { BUDGET, checkFrameSize, mib } from './budget.js';
import { DicomError } from './dataset.js';
import { readImageInfo } from './image-info.js';

const PIXEL_DATA = 'x7fe00010';
/** What may follow the pixel data (padding, a digital signature). */
const TRAILER = 1024 * 1024;

/**
 * dicom-parser's `inflater` for the deflated transfer syntax, with the output capped by what the data set declares.
 * The attributes before the pixel data are inflated first from growing prefixes of the stream (at most
 * `inflatedAttributesBytes`); their Rows, Columns, SamplesPerPixel, BitsAllocated and NumberOfFrames give the size of
 * the pixel data, which is checked against the budget; only then is the whole stream inflated, capped at that size.
 * A stream that inflates to more than it declares is refused as a decompression bomb.
 */
export function boundedInflate(file: Uint8Array, position: number): Uint8Array {
  const stream = file.subarray(position);
  const join = (body: Uint8Array) => {
    const out = new Uint8Array(position + body.length);
    out.set(file.subarray(0, position));
    out.set(body, position);
    return out;
  };
  for (let take = 16 * 1024; ; take *= 8) {
    const whole = take >= stream.length;
    const head = join(inflate(stream.subarray(0, take), BUDGET.inflatedAttributesBytes, whole, 'before its pixel data'));
    if (whole) return head; // the whole stream fitted within the attributes' budget
    const cap = pixelDataEnd(head);
    if (cap !== null) return join(inflate(stream, cap - position + TRAILER, true, 'for the image its header declares'));
  }
}

/** Where the pixel data ends by what the attributes declare, or null when the prefix does not reach the pixel data. */
function pixelDataEnd(prefix: Uint8Array): number | null {
  let ds;
  try {
    // The prefix is inflated already: the "inflater" hands it back as the whole file.
    ds = dicomParser.parseDicom(prefix, { untilTag: PIXEL_DATA, inflater: ((bytes: Uint8Array) => bytes) as unknown as (bytes: Uint8Array) => void });
  } catch {
    return null; // the prefix ends inside an element: read more
  }
  const el = ds.elements[PIXEL_DATA];
  if (!el) return null;
  const info = readImageInfo(ds);
  checkFrameSize(info.columns, info.rows, info.samplesPerPixel, 'the deflated data set');
  const bytes = Math.ceil((info.frames * info.rows * info.columns * info.samplesPerPixel * info.bitsAllocated) / 8);
  if (bytes > BUDGET.inflatedBytes) {
    throw new DicomError(`the deflated data set declares ${mib(bytes)} of pixel data (${info.frames} frame(s) of ${info.columns}×${info.rows}); at most ${mib(BUDGET.inflatedBytes)} is inflated`);
  }
  return el.dataOffset + bytes + 1;
}

function inflate(deflated: Uint8Array, maxOutputLength: number, complete: boolean, what: string): Uint8Array {
  try {
    // Z_SYNC_FLUSH: a prefix of the stream inflates to what it holds instead of failing as truncated.
    return inflateRawSync(deflated, { maxOutputLength, finishFlush: complete ? constants.Z_FINISH : constants.Z_SYNC_FLUSH });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DicomError(`the deflated data set inflates to more than ${mib(maxOutputLength)} ${what}: refused as a decompression bomb`);
    }
    throw new DicomError(`corrupt deflated data set: ${(err as Error).message}`);
  }
}
