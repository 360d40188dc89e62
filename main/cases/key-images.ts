import { PNG } from 'pngjs';
import { z } from 'zod';
import type { KeyImage } from '../api/cases.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import type { RgbImage } from '../imaging/rgb.js';

const Rendered = z.object({ png: z.string(), width: z.number(), height: z.number() });

export interface RenderedKeyImage {
  /** data:image/png;base64,… exactly as the model sees it (same window, invert and photometric handling). */
  readonly png: string;
  readonly rgb: RgbImage;
}

/**
 * The model's view of a key image, produced by main/dicom (`instances.render`, i.e. renderFrame with the key image's
 * window). Going through the contract keeps this module independent of how the studies index finds the file.
 */
export async function renderKeyImage(ctx: AppContext, key: KeyImage): Promise<RenderedKeyImage> {
  const raw = await dispatch(ctx, 'instances.render', { sopInstanceUid: key.sopInstanceUid, frame: key.frame, window: key.window, invert: key.invert });
  const { png } = Rendered.parse(raw);
  return { png, rgb: pngToRgb(png) };
}

export function pngToRgb(dataUrl: string): RgbImage {
  const comma = dataUrl.indexOf(',');
  const decoded = PNG.sync.read(Buffer.from(dataUrl.slice(comma + 1), 'base64'));
  const { width, height } = decoded;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = decoded.data[j]!;
    data[i + 1] = decoded.data[j + 1]!;
    data[i + 2] = decoded.data[j + 2]!;
  }
  return { width, height, data };
}

export function rgbToPngDataUrl(image: RgbImage): string {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    png.data[j] = image.data[i]!;
    png.data[j + 1] = image.data[i + 1]!;
    png.data[j + 2] = image.data[i + 2]!;
    png.data[j + 3] = 255;
  }
  return 'data:image/png;base64,' + PNG.sync.write(png).toString('base64');
}
