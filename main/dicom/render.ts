import type { DataSet } from 'dicom-parser';
import type { RgbImage, WindowLevel } from '../imaging/rgb.js';
import { colourToRgb } from './colour.js';
import { parseDicom } from './parse.js';
import { decodeFrame, type DecodedFrame } from './decode.js';
import { frameDisplay, readImageInfo } from './image-info.js';
import { minMaxWindow, voiMapper } from './voi.js';

export interface RenderOptions {
  /** 0-based frame index (default 0). */
  frame?: number;
  /** Window in modality units (after rescale slope/intercept, e.g. HU). Default: the file's first window, else min/max of the frame. Ignored for colour images. */
  window?: WindowLevel;
  /**
   * The user's Invert toggle, applied on top of the photometric's own display: MONOCHROME1 is already shown with
   * low stored values white (bone bright on a CR), and invert: true flips that. Cornerstone's viewport `invert`
   * is instead absolute (true by default for MONOCHROME1); convert with `cs.invert !== (photometric === 'MONOCHROME1')`.
   */
  invert?: boolean;
}

/** The image the model sees and the window that produced it (null for colour). */
export interface RenderedImage extends RgbImage {
  readonly window: WindowLevel | null;
}

/**
 * Decodes one frame of a DICOM file and renders it to 8-bit RGB the way a radiologist sees it: rescale
 * slope/intercept, the VOI LUT function over the window, MONOCHROME1 inversion, and colour models (RGB, YBR,
 * PALETTE COLOR). Throws a DicomError with a specific reason for files it cannot render.
 */
export async function renderFrame(bytes: Uint8Array, opts: RenderOptions = {}): Promise<RenderedImage> {
  const ds = parseDicom(bytes);
  return renderDataset(ds, opts);
}

export async function renderDataset(ds: DataSet, opts: RenderOptions = {}): Promise<RenderedImage> {
  const info = readImageInfo(ds);
  const frame = opts.frame ?? 0;
  const decoded = await decodeFrame(ds, info, frame);
  return renderDecoded(ds, decoded, frame, opts);
}

export function renderDecoded(ds: DataSet, f: DecodedFrame, frame: number, opts: RenderOptions = {}): RenderedImage {
  const { rows: height, columns: width } = f;
  const pixels = width * height;
  if (f.samplesPerPixel !== 1 || f.photometric === 'PALETTE COLOR') {
    const data = colourToRgb(ds, f);
    if (opts.invert) for (let i = 0; i < data.length; i++) data[i] = 255 - data[i]!;
    return { width, height, data, window: null };
  }
  const display = frameDisplay(ds, frame);
  const toModality = (v: number) => v * display.slope + display.intercept;
  const [lo, hi] = range(f.samples);
  const window = opts.window ?? display.window ?? minMaxWindow([toModality(lo), toModality(hi)]);
  const voi = voiMapper(window, display.voiFunction);
  const flip = (f.photometric === 'MONOCHROME1') !== (opts.invert === true);
  const grey = (v: number) => {
    const y = Math.round(voi(toModality(v)));
    return flip ? 255 - y : y;
  };
  const data = new Uint8Array(pixels * 3);
  const s = f.samples;
  if (s instanceof Int32Array && hi - lo < 1 << 20) {
    // Integer stored values: one lookup table over their range instead of the VOI function per pixel.
    const lut = new Uint8Array(hi - lo + 1);
    for (let v = lo; v <= hi; v++) lut[v - lo] = grey(v);
    for (let i = 0; i < pixels; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = lut[s[i]! - lo]!;
  } else {
    for (let i = 0; i < pixels; i++) data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = grey(s[i]!);
  }
  return { width, height, data, window };
}

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 0];
}
