// The real-width package (Qwen2.5-VL-7B's exact widths, 2 decoder layers, 2 vision blocks, random weights) that the
// real-size round and benchmark run on: made on demand into .cache/ (never committed; ~20 GB with every variant).
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { RgbImage } from '../main/imaging/rgb.js';

const ROOT = join(import.meta.dirname, '..');
export const REAL_SIZE_DIR = process.env.MEDRWR_REAL_SIZE_DIR ?? join(ROOT, '.cache/qwen25vl-7b-2layers-onnx');

export const HOW_TO_MAKE = [
  'Make it (about an hour and 20 GB of disk on 2 shared cores; /usr/bin/python3 with torch and onnx); the benchmark reports',
  'the /usr/bin/time -v logs it finds in .cache/real-size-logs/:',
  '  mkdir -p .cache/real-size-logs',
  '  /usr/bin/time -v /usr/bin/python3 -m models.fixtures.make_real_size 2> .cache/real-size-logs/1-make-checkpoint.log',
  '  /usr/bin/time -v /usr/bin/python3 -m models.convert.qwen25vl .cache/qwen25vl-7b-2layers --out .cache/qwen25vl-7b-2layers-onnx 2> .cache/real-size-logs/2-convert-fp32.log',
  '  for d in q4 q4f16 fp16; do /usr/bin/time -v /usr/bin/python3 -m models.convert.quantize_package .cache/qwen25vl-7b-2layers-onnx --dtype $d 2> .cache/real-size-logs/3-quantize-$d.log; done',
].join('\n');

export function realSizePackage(): string | null {
  return existsSync(join(REAL_SIZE_DIR, 'manifest.json')) ? REAL_SIZE_DIR : null;
}

/** The text of the two rounds, forced token by token (random weights never write the protocol's tags). */
export const FORCED_ROUND = [
  '<think> The image shows a round lesion with a black interior. </think>\n<query> anechoic round lesion with smooth margin </query>',
  '<think> The retrieved passage describes this finding. </think>\n<answer> A </answer>',
];
export const QUESTION = { question: 'Which condition does the ultrasound image show?', options: ['A. Varnel cyst', 'B. Ostrick nodule', 'C. Normal tissue'] };

/** A 448×448 synthetic ultrasound-like image (a dark disc on speckled grey): 1,024 patches, 256 image tokens. */
export function syntheticImage(size = 448): RgbImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 5) ** 2;
      const v = inside ? 8 : 90 + ((x * 7 + y * 13) % 40);
      data.fill(v, (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  return { width: size, height: size, data };
}

/** The 1, 5 and 15 min load averages: the machine is shared, so every figure carries them. */
export function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(1)).join(' / ');
}
