import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeImage, encodePng, ImageDecodeError, sniffImage } from './decode.js';
import { thumbnailDataUrl } from './thumbnail.js';

const img = { width: 3, height: 2, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]) };

describe('image decoding', () => {
  it('round-trips RGB through PNG', () => {
    const png = encodePng(img);
    expect(sniffImage(png)).toBe('png');
    expect(decodeImage(png)).toEqual(img);
  });

  it('decodes grey and alpha PNGs to RGB', () => {
    const p = new PNG({ width: 2, height: 1, colorType: 6 });
    p.data.set([9, 8, 7, 0, 1, 2, 3, 255]);
    expect(decodeImage(PNG.sync.write(p)).data).toEqual(Uint8Array.from([9, 8, 7, 1, 2, 3]));
  });

  it('decodes JPEG (lossy: close to the source)', () => {
    const w = 16;
    const rgba = Buffer.alloc(w * w * 4, 128);
    const bytes = jpeg.encode({ width: w, height: w, data: rgba }, 95).data;
    expect(sniffImage(bytes)).toBe('jpeg');
    const out = decodeImage(bytes);
    expect([out.width, out.height]).toEqual([w, w]);
    expect(Math.abs(out.data[0]! - 128)).toBeLessThan(4);
  });

  it('says what is wrong with a file that is not an image', () => {
    expect(() => decodeImage(Buffer.from('DICM not really'), 'x.dcm')).toThrow(new ImageDecodeError('x.dcm is neither PNG nor JPEG'));
    const broken = encodePng(img).subarray(0, 40);
    expect(() => decodeImage(broken, 'cut.png')).toThrow(/cut\.png could not be decoded as PNG/);
  });

  it('refuses a PNG or JPEG that declares more than 64 Mi pixels before decoding it', () => {
    const png = Buffer.from(encodePng(img));
    png.writeUInt32BE(30000, 16); // IHDR width and height (the CRC no longer matches: the size check comes first)
    png.writeUInt32BE(30000, 20);
    expect(() => decodeImage(png, 'bomb.png')).toThrow(new ImageDecodeError('bomb.png declares 30000×30000 pixels; at most 64 Mi pixels are decoded'));
    const jpg = Buffer.from(jpeg.encode({ width: 8, height: 8, data: Buffer.alloc(256, 9) }, 90).data);
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(30000, sof + 5);
    jpg.writeUInt16BE(30000, sof + 7);
    expect(() => decodeImage(jpg, 'bomb.jpg')).toThrow(/bomb\.jpg could not be decoded as JPEG: .*maxResolutionInMP limit exceeded/);
  });

  it('makes a small PNG thumbnail data URL', () => {
    const big = { width: 400, height: 200, data: new Uint8Array(400 * 200 * 3).fill(77) };
    const url = thumbnailDataUrl(big, 128);
    const back = decodeImage(Buffer.from(url.split(',')[1]!, 'base64'));
    expect([back.width, back.height]).toEqual([128, 64]);
  });
});
