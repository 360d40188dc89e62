import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { ApiError } from '../api/errors.js';
import { resizeBicubic } from '../imaging/resize.js';
import type { RgbImage } from '../imaging/rgb.js';
import { readEncoderManifest, type ImageEncoderManifest } from './encoder-manifest.js';
import { normalize } from './text-encoder.js';

/** Turns images into unit vectors with a "medrwr-encoder/1" image encoder: resize, scale to [0, 1], mean/std, NCHW. */
export class ImageEncoder {
  private constructor(
    readonly dir: string,
    readonly manifest: ImageEncoderManifest,
    private readonly session: ort.InferenceSession,
  ) {}

  static async open(dir: string): Promise<ImageEncoder> {
    const manifest = await readEncoderManifest(dir, 'image');
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(join(dir, manifest.onnx.path), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    } catch (err) {
      throw new ApiError('unavailable', `Image encoder ${dir} cannot be loaded by ONNX Runtime (${(err as Error).message}): restore it.`);
    }
    const encoder = new ImageEncoder(dir, manifest, session);
    const [probe] = await encoder.embed([{ width: 1, height: 1, data: new Uint8Array(3) }]);
    if (probe!.length !== manifest.dimension) throw new ApiError('unavailable', `Image encoder ${dir} outputs ${probe!.length} values but its manifest says dimension ${manifest.dimension}: restore the encoder folder.`);
    return encoder;
  }

  get dimension(): number {
    return this.manifest.dimension;
  }

  async embed(images: readonly RgbImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const { width: w, height: h } = this.manifest.size;
    const { mean, std } = this.manifest;
    const plane = w * h;
    const pixels = new Float32Array(images.length * 3 * plane);
    images.forEach((img, n) => {
      const r = img.width === w && img.height === h ? img : resizeBicubic(img, w, h);
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) pixels[n * 3 * plane + c * plane + i] = (r.data[i * 3 + c]! / 255 - mean[c]!) / std[c]!;
      }
    });
    const out = (await this.session.run({ [this.manifest.input]: new ort.Tensor('float32', pixels, [images.length, 3, h, w]) }))[this.manifest.output];
    if (!out) throw new ApiError('unavailable', `Image encoder ${this.dir} has no output "${this.manifest.output}": its manifest does not match the model.`);
    const data = out.data as Float32Array;
    const dim = data.length / images.length;
    return images.map((_, i) => normalize(data.slice(i * dim, (i + 1) * dim)));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
