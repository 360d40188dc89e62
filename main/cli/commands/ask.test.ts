import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpus, skipWithoutTestData } from '../../dicom/testing/corpus.js';
import { FIXTURE_DIR, referenceImage } from '../../engine/testing/fixture.js';
import { encodePng } from '../../imaging/decode.js';

const work = mkdtempSync(join(tmpdir(), 'medrwr-ask-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const png = join(work, 'key.png');
writeFileSync(png, encodePng(referenceImage(84, 56)));

function medrwr(args: string[]) {
  return spawnSync(process.execPath, ['bin/medrwr.js', 'ask', '--data-dir', join(work, 'data'), ...args], { encoding: 'utf8' });
}
const base = ['--model', FIXTURE_DIR, '--question', 'What does the image show?', '--option', 'A. Pneumonia', '--option', 'B. Normal', '--max-new-tokens', '24'];

interface AskJson {
  status: string;
  answer: unknown;
  provenance: { model: { id: string; sha256: string; synthetic: boolean }; executionProvider: string; params: Record<string, unknown> };
  timings: { generatedTokens: number; totalMs: number };
  events: { type: string; text?: string; message?: string; seq: number }[];
  transcript: string;
}

describe('medrwr ask', () => {
  it('answers about a PNG on the fixture model and prints one JSON object, tokens streamed to stderr', () => {
    const r = medrwr([...base, '--image', png, '--json', '--ep', 'cpu']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as AskJson;
    expect(out.status).toBe('completed');
    expect(out.provenance.model).toMatchObject({ id: 'medrwr-tiny-random', synthetic: true });
    expect(out.provenance.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.provenance.executionProvider).toBe('cpu');
    const types = out.events.map((e) => e.type);
    expect(types[0]).toBe('run');
    expect(types.filter((t) => t === 'token')).toHaveLength(out.timings.generatedTokens);
    expect(types.slice(-2)).toEqual(['summary', 'done']);
    expect(out.events.filter((e) => e.type === 'token').map((e) => e.text).join('')).toBe(out.transcript);
    expect(r.stderr).toContain('── round 1 ──');
  });

  it.skipIf(skipWithoutTestData)('answers about a real DICOM file (CR chest, MONOCHROME1) and streams the trace', () => {
    const r = medrwr([...base, '--image', corpus.crChestMono1, '--no-cdir']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('── round 1 ──');
    expect(r.stdout).toMatch(/Answer: .*\nModel: medrwr-tiny-random 0\.1\.0 \(synthetic\) on CPU/);
    expect(r.stdout).toContain('Decision support, not for primary diagnosis');
    const j = medrwr([...base, '--image', corpus.crChestMono1, '--image', png, '--json']);
    expect(j.status).toBe(0);
    const out = JSON.parse(j.stdout) as AskJson & { images: { width: number; height: number }[] };
    expect(out.images).toEqual([{ file: corpus.crChestMono1, width: 440, height: 440 }, { file: png, width: 84, height: 56 }]);
    expect(out.provenance.params).toMatchObject({ images: 2, options: 2 });
  });

  it('falls back to CPU with a notice for an unavailable or unknown provider', () => {
    for (const [ep, pattern] of [['cuda', /CUDA is not available: /], ['tpu', /unknown execution provider "tpu"/]] as const) {
      const r = medrwr([...base, '--image', png, '--json', '--ep', ep]);
      expect(r.status).toBe(0);
      const out = JSON.parse(r.stdout) as AskJson;
      expect(out.provenance.executionProvider).toBe('cpu');
      expect(out.events.find((e) => e.type === 'notice' && pattern.test(e.message!))).toBeDefined();
      expect(r.stderr).toMatch(pattern);
    }
  });

  it('opens a knowledge base with --kb and names it in the provenance; --no-retrieval leaves it closed', () => {
    const src = join(work, 'kb.jsonl');
    writeFileSync(src, JSON.stringify({ id: 'p1', title: 'Pneumonia', text: 'Lobar pneumonia shows consolidation.', source: 'test' }) + '\n');
    const kbDir = join(work, 'kb');
    const built = spawnSync(process.execPath, ['bin/medrwr.js', 'kb', 'build', src, '--encoder', 'models/encoders/wordnet-med', '--out', kbDir, '--id', 'ask-test-kb'], { encoding: 'utf8' });
    expect(built.status).toBe(0);
    const withKb = JSON.parse(medrwr([...base, '--image', png, '--json', '--kb', kbDir]).stdout) as AskJson & { provenance: { kb: unknown } };
    expect(withKb.provenance.kb).toMatchObject({ id: 'ask-test-kb', kind: 'local' });
    const without = JSON.parse(medrwr([...base, '--image', png, '--json', '--kb', kbDir, '--no-retrieval']).stdout) as AskJson & { provenance: { kb: unknown } };
    expect(without.provenance.kb).toMatchObject({ kind: 'none' });
    expect(without.provenance.params).toMatchObject({ retrieval: false });
  });

  it('refuses a model whose file fails its sha256, naming the file', () => {
    const bad = join(work, 'bad-model');
    cpSync(FIXTURE_DIR, bad, { recursive: true });
    const file = join(bad, 'onnx', 'decoder_model_merged.onnx');
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(100) ^ 1, 100);
    writeFileSync(file, bytes);
    const r = medrwr(['--model', bad, '--image', png, '--question', 'Q?']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('model file onnx/decoder_model_merged.onnx failed its integrity check');
  });

  it('explains bad input', () => {
    expect(medrwr(['--image', png, '--question', 'Q?']).stderr).toContain('--model DIR is required');
    const notImage = join(work, 'notes.txt');
    writeFileSync(notImage, 'hello');
    const r = medrwr(['--model', FIXTURE_DIR, '--image', notImage, '--question', 'Q?']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/image .*notes\.txt cannot be used/);
    const tiny = join(work, 'tiny.png');
    writeFileSync(tiny, encodePng({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3) }));
    const t = medrwr(['--model', FIXTURE_DIR, '--image', tiny, '--question', 'Q?', '--json']);
    expect(JSON.parse(t.stdout)).toMatchObject({ status: 'failed', error: expect.stringMatching(/image 1 of 1 cannot be used: image is 8×8 pixels; each side must be at least 10 pixels/) });
  });
});
