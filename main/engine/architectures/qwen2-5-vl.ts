import * as ort from 'onnxruntime-node';
import { patchify, type VisionConfig } from '../../imaging/patchify.js';
import { floatTensor } from '../dtype.js';
import type { Manifest } from '../manifest.js';
import { chunkPositions } from '../rope.js';
import type { Architecture } from './architecture.js';

/**
 * Qwen2.5-VL (onnx-runtime.md §1.2, §5): smart_resize + 14-px patches in temporal pairs, merged 2×2 into tokens
 * (`pixel_values` [patches, 1176], `image_grid_thw` [1, 3]); 3-axis M-RoPE positions `[3, 1, n]`.
 */
export function qwen25vl(manifest: Manifest, maxPixels?: number): Architecture {
  const ip = manifest.image_processor;
  const vc = manifest.vision_config;
  const vision: VisionConfig = {
    patchSize: vc.patch_size,
    temporalPatchSize: vc.temporal_patch_size,
    mergeSize: vc.spatial_merge_size,
    minPixels: ip.min_pixels,
    maxPixels: maxPixels ?? ip.max_pixels,
    mean: ip.image_mean,
    std: ip.image_std,
    rescale: ip.rescale_factor,
  };
  return {
    name: 'qwen2_5_vl',
    imageInputs(image, inputTypes) {
      const p = patchify(image, vision);
      return {
        feeds: {
          pixel_values: floatTensor(inputTypes.get('pixel_values') ?? 'float32', p.pixelValues, [p.rows, p.cols]),
          image_grid_thw: new ort.Tensor('int64', BigInt64Array.from(p.grid.map(BigInt)), [1, 3]),
        },
        grid: [...p.grid] as [number, number, number],
        tokens: p.tokens,
      };
    },
    positions(n, blocks, startPos) {
      const pos = chunkPositions(n, blocks, startPos, vision.mergeSize);
      return { tensor: new ort.Tensor('int64', pos.ids, [3, 1, n]), nextPos: pos.nextPos };
    },
  };
}
