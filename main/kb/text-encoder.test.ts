import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TextEncoder } from './text-encoder.js';
import { TEXT_ENCODER } from './testing/fixtures.js';

let enc: TextEncoder;
beforeAll(async () => (enc = await TextEncoder.open(TEXT_ENCODER)));
afterAll(() => enc?.close());

it('tokenises exactly as the Python training code did (tokenizer-check.json)', () => {
  const cases = JSON.parse(readFileSync(join(TEXT_ENCODER, 'tokenizer-check.json'), 'utf8')) as { text: string; ids: number[] }[];
  expect(cases.length).toBeGreaterThan(20);
  for (const c of cases) expect(enc.tokenize(c.text), c.text).toEqual(c.ids.slice(0, enc.manifest.max_length));
});

it('embeds to unit vectors of the declared dimension, the same alone or in a batch', async () => {
  const [a, b] = await enc.embed(['pneumothorax', 'abnormal presence of air in the pleural cavity resulting in collapse of the lung']);
  const [alone] = await enc.embed(['pneumothorax']);
  expect(a!.length).toBe(enc.manifest.dimension);
  expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
  alone!.forEach((v, i) => expect(v).toBeCloseTo(a![i]!, 5)); // padding must not change an embedding
  const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
  const [unrelated] = await enc.embed(['a musical instrument with strings']);
  expect(cos(a!, b!)).toBeGreaterThan(cos(a!, unrelated!));
});
