import dicomParser, { type DataSet } from 'dicom-parser';
import { DicomError, parserMessage } from './dataset.js';
import type { ImageInfo } from './image-info.js';

/** Whether the transfer syntax stores pixel data as encapsulated fragments (compressed). */
export function isEncapsulated(ds: DataSet, info: ImageInfo): boolean {
  return ds.elements[info.pixelTag]?.encapsulatedPixelData === true;
}

/** The bytes of one compressed frame, whether the file has a Basic Offset Table or not. */
export function encapsulatedFrame(ds: DataSet, info: ImageInfo, frame: number): Uint8Array {
  const el = ds.elements[info.pixelTag]!;
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new DicomError('compressed pixel data has no fragments');
  try {
    if (info.frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) return dicomParser.readEncapsulatedImageFrame(ds, el, frame);
    if (fragments.length === info.frames) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1);
    // Several fragments per frame without an offset table: find frame starts by JPEG SOI markers.
    const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
    return dicomParser.readEncapsulatedImageFrame(ds, el, frame, table);
  } catch (err) {
    throw new DicomError(`cannot read compressed frame ${frame}: the fragments are corrupt (${parserMessage(err)})`);
  }
}

/** The bytes of one native (uncompressed) frame; for 1-bit data the frame may start mid-byte (see bitOffset). */
export function nativeFrame(ds: DataSet, info: ImageInfo, frame: number): { bytes: Uint8Array; bitOffset: number } {
  const el = ds.elements[info.pixelTag]!;
  // Native YBR_FULL_422 stores two samples per pixel (Y Y Cb Cr for each pair of pixels).
  const samples = info.photometric === 'YBR_FULL_422' ? 2 : info.samplesPerPixel;
  const bitsPerFrame = info.rows * info.columns * samples * info.bitsAllocated;
  const startBit = frame * bitsPerFrame;
  const start = el.dataOffset + Math.floor(startBit / 8);
  const length = Math.ceil(((startBit % 8) + bitsPerFrame) / 8);
  const available = ds.byteArray.length - start;
  if (available < length) {
    throw new DicomError(`truncated pixel data: frame ${frame} needs ${length} bytes, the file has ${Math.max(0, available)} left`);
  }
  return { bytes: ds.byteArray.subarray(start, start + length), bitOffset: startBit % 8 };
}
