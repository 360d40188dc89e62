import { DicomError } from './dataset.js';

const MiB = 1024 * 1024;

/**
 * What one file may make us allocate. Every limit is checked against what the file declares (Rows, Columns,
 * SamplesPerPixel, the codestream's own header, element lengths) before the allocation it bounds, so a small file
 * claiming a huge image is refused in microseconds instead of costing gigabytes.
 */
export const BUDGET = {
  /** Decoded samples in one frame (rows × columns × components): 2^26, e.g. 8192×8192 grey or about 4700×4700 colour. */
  frameSamples: 2 ** 26,
  /** A deflated data set once inflated: everything but its pixel data. */
  inflatedAttributesBytes: 64 * MiB,
  /** A deflated data set once inflated, pixel data included. */
  inflatedBytes: 1024 * MiB,
  /** The largest file read whole (Node cannot read more than 2 GiB into one buffer). */
  fileBytes: 2048 * MiB - 1,
  /** Tiles in one JPEG 2000 frame (OpenJPEG allocates per tile). */
  j2kTiles: 65_536,
} as const;

/** Refuses a frame whose declared size is beyond the decode budget, naming the size and the limit. */
export function checkFrameSize(columns: number, rows: number, components: number, source: string): void {
  const samples = columns * rows * Math.max(1, components);
  if (samples <= BUDGET.frameSamples) return;
  const what = components > 1 ? `${columns}×${rows}×${components} samples` : `${columns}×${rows} pixels`;
  throw new DicomError(
    `${source} declares a frame of ${what} (${mega(samples)} samples); the workstation decodes at most ${mega(BUDGET.frameSamples)} samples per frame (8192×8192 grey), so the file is refused as too large or corrupt`,
  );
}

export function mega(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} G` : `${(n / 1e6).toFixed(1)} M`;
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / MiB)} MiB`;
}
