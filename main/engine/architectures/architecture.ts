import type * as ort from 'onnxruntime-node';
import type { RgbImage } from '../../imaging/rgb.js';
import type { Manifest } from '../manifest.js';
import type { ImageBlock } from '../rope.js';

/**
 * What differs between vision-language architectures, behind one interface: how an image becomes the vision encoder's
 * inputs and how many text positions its features take, and how position ids are laid out for a chunk. The runner,
 * the KV cache, sampling and the generation loop are the same for every architecture. Qwen2.5-VL is the first.
 */
export interface Architecture {
  readonly name: Manifest['architecture'];
  /** The vision encoder's feeds for one image, its grid (as the position ids need it) and its token count. */
  imageInputs(image: RgbImage, inputTypes: ReadonlyMap<string, ort.Tensor.Type>): { feeds: Record<string, ort.Tensor>; grid: [number, number, number]; tokens: number };
  /** Position ids for a chunk of `n` tokens starting at `startPos`, with its image blocks; and where the next chunk starts. */
  positions(n: number, blocks: readonly ImageBlock[], startPos: number): { tensor: ort.Tensor; nextPos: number };
}
