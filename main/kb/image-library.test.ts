import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePng } from '../imaging/decode.js';
import type { RgbImage } from '../imaging/rgb.js';
import { buildKnowledgeBase } from './build.js';
import { addImages } from './image-library.js';
import { openKnowledgeBase } from './open.js';
import { IMAGE_ENCODER, tempDir, TEXT_ENCODER } from './testing/fixtures.js';

/** Distinct synthetic "studies": each pattern a function of (x, y) in [0, 1). */
const PATTERNS: Record<string, (x: number, y: number) => [number, number, number]> = {
  'left-bright': (x) => [255 * x, 255 * x, 255 * x],
  'top-bright': (_x, y) => [255 * (1 - y), 255 * (1 - y), 255 * (1 - y)],
  'centre-blob': (x, y) => { const d = Math.hypot(x - 0.5, y - 0.5); return d < 0.25 ? [240, 240, 240] : [20, 20, 20]; },
  checker: (x, y) => ((Math.floor(x * 4) + Math.floor(y * 4)) % 2 ? [230, 230, 230] : [30, 30, 30]),
  'red-ring': (x, y) => { const d = Math.hypot(x - 0.5, y - 0.5); return d > 0.3 && d < 0.42 ? [220, 40, 40] : [10, 10, 10]; },
};

function draw(name: string, w: number, h: number, noise = 0): RgbImage {
  const data = new Uint8Array(w * h * 3);
  let seed = 7;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const rgb = PATTERNS[name]!(x / w, y / h);
      for (let c = 0; c < 3; c++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        data[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(rgb[c]! + (noise ? ((seed / 0x7fffffff) - 0.5) * noise : 0))));
      }
    }
  return { width: w, height: h, data };
}

let kbDir: string;
let imagesDir: string;

beforeAll(async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'k.tsv'), '1\tA pleural effusion blunts the costophrenic angle.\n');
  kbDir = (await buildKnowledgeBase({ sources: [join(dir, 'k.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).dir;
  imagesDir = join(dir, 'images');
  mkdirSync(join(imagesDir, 'sub'), { recursive: true });
  const captions: string[] = [];
  Object.keys(PATTERNS).forEach((name, i) => {
    const img = draw(name, 96 + i * 8, 80);
    if (i % 2 === 0) writeFileSync(join(imagesDir, `${name}.png`), encodePng(img));
    else {
      const rgba = Buffer.alloc(img.width * img.height * 4, 255);
      for (let p = 0; p < img.width * img.height; p++) img.data.subarray(p * 3, p * 3 + 3).forEach((v, c) => (rgba[p * 4 + c] = v));
      writeFileSync(join(imagesDir, 'sub', `${name}.jpg`), jpeg.encode({ data: rgba, width: img.width, height: img.height }, 95).data);
    }
    captions.push(JSON.stringify({ image: i % 2 === 0 ? `${name}.png` : `sub/${name}.jpg`, caption: `Reference case: ${name}`, source: 'synthetic' }));
  });
  writeFileSync(join(dir, 'captions.jsonl'), captions.join('\n'));
  await addImages({ kbDir, images: [imagesDir], captions: join(dir, 'captions.jsonl'), encoderDir: IMAGE_ENCODER, stderr: null });
});

describe('image library (CDIR)', () => {
  it('is recorded in the manifest with its embedder and checksummed files', async () => {
    const kb = await openKnowledgeBase(kbDir);
    try {
      expect(kb.manifest.images).toMatchObject({ count: 5, embedder: { id: 'thumbnail-descriptor' } });
      expect(Object.keys(kb.manifest.files)).toEqual(expect.arrayContaining(['images.sqlite', 'images.hnsw']));
      expect(kb.images).not.toBeNull();
    } finally {
      await kb.close();
    }
  });

  it('mostSimilar returns the matching reference image with its caption, image and thumbnail', async () => {
    const kb = await openKnowledgeBase(kbDir);
    try {
      for (const name of Object.keys(PATTERNS)) {
        const query = draw(name, 200, 170, 40); // another size, with noise
        const hit = await kb.images!.mostSimilar(query);
        expect(hit, name).not.toBeNull();
        expect(hit!.caption).toBe(`Reference case: ${name}`);
        expect(hit!.source).toBe('synthetic');
        expect(hit!.score).toBeGreaterThan(0.5);
        expect(hit!.image.width).toBeGreaterThan(0);
        const thumb = decodeImage(hit!.thumbnailPng!);
        expect(Math.max(thumb.width, thumb.height)).toBeLessThanOrEqual(128);
      }
    } finally {
      await kb.close();
    }
  });

  it('a tampered image library is refused at open', async () => {
    const { cpSync, openSync, writeSync, closeSync } = await import('node:fs');
    const copy = join(tempDir(), 'kb');
    cpSync(kbDir, copy, { recursive: true });
    const fd = openSync(join(copy, 'images.sqlite'), 'r+');
    writeSync(fd, Buffer.from('xx'), 0, 2, 5000);
    closeSync(fd);
    await expect(openKnowledgeBase(copy)).rejects.toThrow(/images\.sqlite .* has been altered/);
  });

  it('refuses images without a caption and files that are not PNG or JPEG, by name', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.png'), encodePng(draw('checker', 20, 20)));
    writeFileSync(join(dir, 'b.png'), 'not a png');
    writeFileSync(join(dir, 'caps.tsv'), 'a.png\tchecker\n');
    await expect(addImages({ kbDir, images: [join(dir, 'a.png'), join(dir, 'b.png')], captions: join(dir, 'caps.tsv'), encoderDir: IMAGE_ENCODER, stderr: null })).rejects.toThrow(/No caption for 1 image\(s\) in .*caps\.tsv: b\.png/);
    writeFileSync(join(dir, 'caps.tsv'), 'a.png\tchecker\nb.png\tbroken\n');
    await expect(addImages({ kbDir, images: [join(dir, 'a.png'), join(dir, 'b.png')], captions: join(dir, 'caps.tsv'), encoderDir: IMAGE_ENCODER, stderr: null })).rejects.toThrow(/b\.png: .*only PNG and JPEG images are accepted/);
    // the earlier library is untouched by the failed attempt
    const kb = await openKnowledgeBase(kbDir);
    expect(kb.manifest.images!.count).toBe(5);
    await kb.close();
  });
});
