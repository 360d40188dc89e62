import type { KeyImage } from '../api/cases.js';
import type { AppContext } from '../app/context.js';
import { renderInstance } from '../dicom/instances.js';
import { encodePng, pngDataUrl } from '../imaging/decode.js';
import type { RgbImage } from '../imaging/rgb.js';

export interface RenderedKeyImage {
  /** data:image/png;base64,… exactly as the model sees it (same window, invert and photometric handling). */
  readonly png: string;
  readonly rgb: RgbImage;
}

/** The model's view of a key image: main/dicom renders the frame at the key image's window, as the viewer shows it. */
export async function renderKeyImage(ctx: AppContext, key: KeyImage): Promise<RenderedKeyImage> {
  const rgb = await renderInstance(ctx, key.sopInstanceUid, { frame: key.frame, window: key.window, invert: key.invert });
  return { png: pngDataUrl(encodePng(rgb)), rgb };
}
