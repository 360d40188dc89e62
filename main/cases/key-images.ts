import type { KeyImage } from '../api/cases.js';
import { encodePng, pngDataUrl } from '../imaging/decode.js';
import type { RgbImage } from '../imaging/rgb.js';
import type { StudiesPort } from './ports.js';

export interface RenderedKeyImage {
  /** data:image/png;base64,… exactly as the model sees it (same window, invert and photometric handling). */
  readonly png: string;
  readonly rgb: RgbImage;
}

/** The model's view of a key image: the studies domain renders the frame at the key image's window, as the viewer shows it. */
export async function renderKeyImage(studies: StudiesPort, key: KeyImage): Promise<RenderedKeyImage> {
  const rgb = await studies.renderRgb(key.sopInstanceUid, { frame: key.frame, window: key.window, invert: key.invert });
  return { png: pngDataUrl(encodePng(rgb)), rgb };
}
