import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import type { RgbImage } from './rgb.js';

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

/** The most pixels one PNG or JPEG may declare (jpeg-js checks its own header; PNG is checked here). */
const MAX_PIXELS = 2 ** 26;

export type ImageFormat = 'png' | 'jpeg';

/** PNG or JPEG by magic bytes (extensions lie); null for anything else, e.g. DICOM. */
export function sniffImage(bytes: Uint8Array): ImageFormat | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Decodes PNG (any bit depth, palette, grey, alpha: pngjs normalises to RGBA8) or baseline/progressive JPEG to RGB. */
export function decodeImage(bytes: Uint8Array, name = 'image'): RgbImage {
  const format = sniffImage(bytes);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (format === 'png') {
      // IHDR comes first: check the declared size before pngjs allocates for it.
      const declared = bytes.length >= 24 ? new DataView(bytes.buffer, bytes.byteOffset + 16, 8) : null;
      if (declared && declared.getUint32(0) * declared.getUint32(4) > MAX_PIXELS) {
        throw new ImageDecodeError(`${name} declares ${declared.getUint32(0)}×${declared.getUint32(4)} pixels; at most ${MAX_PIXELS / 2 ** 20} Mi pixels are decoded`);
      }
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else if (format === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
      ({ width, height } = img);
      rgba = img.data;
    } else {
      throw new ImageDecodeError(`${name} is neither PNG nor JPEG`);
    }
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw new ImageDecodeError(`${name} could not be decoded as ${format?.toUpperCase()}: ${(err as Error).message}`);
  }
  return rgbaToRgb(width, height, rgba);
}

/** Drops alpha. Transparent pixels keep their colour values, as PIL's convert('RGB') does. */
export function rgbaToRgb(width: number, height: number, rgba: Uint8Array): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < width * height; i++, j += 4) {
    data[i * 3] = rgba[j]!;
    data[i * 3 + 1] = rgba[j + 1]!;
    data[i * 3 + 2] = rgba[j + 2]!;
  }
  return { width, height, data };
}

/** Encodes an RGB image as an 8-bit RGB PNG (thumbnails, rendered frames, test fixtures). */
export function encodePng(img: RgbImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** A PNG as a data: URL, so events, the renderer and reports carry images without file access. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
}
