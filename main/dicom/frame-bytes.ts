import type { DataSet } from 'dicom-parser';
import { DicomError } from './dataset.js';
import { frameBytes, frameTable, type FrameTable } from './frame-table.js';
import type { ImageInfo } from './image-info.js';

/** Whether the transfer syntax stores pixel data as encapsulated fragments (compressed). */
export function isEncapsulated(ds: DataSet, info: ImageInfo): boolean {
  return ds.elements[info.pixelTag]?.encapsulatedPixelData === true;
}

/** Where the frames of an encapsulated pixel data element lie (see frameTable: the offset table is checked, not trusted). */
export function encapsulatedFrameTable(ds: DataSet, info: ImageInfo): FrameTable {
  const el = ds.elements[info.pixelTag]!;
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new DicomError('compressed pixel data has no fragments');
  return frameTable(ds.byteArray, fragments, el.basicOffsetTable ?? [], info.frames, info.transferSyntax);
}

/** The bytes of one compressed frame, whether the file's Basic Offset Table is right, wrong or empty. */
export function encapsulatedFrame(ds: DataSet, info: ImageInfo, frame: number): Uint8Array {
  const table = encapsulatedFrameTable(ds, info);
  const ranges = table.frames[frame];
  if (!ranges) {
    throw new DicomError(`frame ${frame + 1} is missing: the header says ${info.frames} frames, the compressed pixel data holds ${table.frames.length} (found by ${table.source})`);
  }
  return frameBytes(ds.byteArray, ranges);
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
