import { z } from 'zod';
import type { KeyImage } from '../api/cases.js';
import type { AppContext } from '../app/context.js';
import { dispatch } from '../app/dispatch.js';
import { decodeImage } from '../imaging/decode.js';
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
  return { png, rgb: decodeImage(Buffer.from(png.slice(png.indexOf(',') + 1), 'base64'), key.sopInstanceUid) };
}
