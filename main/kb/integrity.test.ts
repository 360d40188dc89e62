import { spawnSync } from 'node:child_process';
import { cpSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { buildKnowledgeBase } from './build.js';
import { sha256File } from '../common/sha256.js';
import { openKnowledgeBase } from './open.js';
import { ROOT, tempDir, TEXT_ENCODER } from './testing/fixtures.js';

let pristine: string;

beforeAll(async () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'k.tsv'),
    Array.from({ length: 40 }, (_, i) => `${i}\tPassage ${i} about pneumonia, effusion, fracture number ${i} of the series.`).join('\n'),
  );
  pristine = (await buildKnowledgeBase({ sources: [join(dir, 'k.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).dir;
});

/** A fresh copy of the good KB to damage. */
function copy(): string {
  const to = join(tempDir(), 'kb');
  cpSync(pristine, to, { recursive: true });
  return to;
}

async function refusal(dir: string, opts = {}): Promise<ApiError> {
  const err = await openKnowledgeBase(dir, opts).then(
    (kb) => (void kb.close(), null),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toMatch(/unavailable|not_found/);
  return err as ApiError;
}

function editJson(path: string, edit: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(j);
  writeFileSync(path, JSON.stringify(j));
}

/** A different but valid build of the encoder: same graph, another producer version string, so another sha256. */
function otherEncoder(): string {
  const dir = join(tempDir(), 'encoder');
  cpSync(TEXT_ENCODER, dir, { recursive: true });
  const model = readFileSync(join(dir, 'model.onnx'));
  const at = model.indexOf('1.13.');
  model[at + 5] = model[at + 5] === 0x39 ? 0x38 : 0x39;
  writeFileSync(join(dir, 'model.onnx'), model);
  editJson(join(dir, 'manifest.json'), (j) => ((j.onnx as { sha256: string }).sha256 = sha256File(join(dir, 'model.onnx'))));
  return dir;
}

describe('a knowledge base that cannot be trusted is refused at open, with what to do', () => {
  it('opens the undamaged one', async () => {
    const kb = await openKnowledgeBase(pristine);
    expect((await kb.search('pneumonia', { k: 2 })).length).toBe(2);
    await kb.close();
  });

  it('truncated HNSW index', async () => {
    const dir = copy();
    truncateSync(join(dir, 'index.hnsw'), Math.floor(statSync(join(dir, 'index.hnsw')).size / 2));
    const err = await refusal(dir);
    expect(err.message).toMatch(/index\.hnsw .* is truncated .*cannot be trusted: rebuild it \("medrwr kb build/);
  });

  it('truncated HNSW index even when the manifest was updated to match (hnswlib never sees it)', async () => {
    const dir = copy();
    const path = join(dir, 'index.hnsw');
    truncateSync(path, statSync(path).size - 100);
    editJson(join(dir, 'manifest.json'), (j) => ((j.files as Record<string, unknown>)['index.hnsw'] = { sha256: sha256File(path), bytes: statSync(path).size }));
    expect((await refusal(dir)).message).toMatch(/HNSW index .* does not match its manifest \(it is truncated\)/);
  });

  it('HNSW neighbour ids pointing outside the index, even with a forged manifest, are refused before hnswlib reads them', async () => {
    const dir = copy();
    const path = join(dir, 'index.hnsw');
    const buf = readFileSync(path);
    buf.writeUInt32LE(1_000_000, 96 + 4); // first neighbour of element 0
    writeFileSync(path, buf);
    editJson(join(dir, 'manifest.json'), (j) => ((j.files as Record<string, unknown>)['index.hnsw'] = { sha256: sha256File(path), bytes: statSync(path).size }));
    expect((await refusal(dir)).message).toMatch(/HNSW index .* does not match its manifest \(element 0 has a damaged neighbour list\)/);
  });

  it('altered SQLite page', async () => {
    const dir = copy();
    const fd = openSync(join(dir, 'passages.sqlite'), 'r+');
    writeSync(fd, Buffer.from('garbage!'), 0, 8, 4096 + 200); // inside page 2
    closeSync(fd);
    expect((await refusal(dir)).message).toMatch(/passages\.sqlite .* has been altered \(sha256 differs from the manifest\).*rebuild it/);
  });

  it('wrong embedder (an encoder with another sha256)', async () => {
    const dir = copy();
    const err = await refusal(dir, { encoderDir: otherEncoder() });
    expect(err.message).toMatch(/Wrong embedder for knowledge base .*built with wordnet-med-bag .* but .* holds wordnet-med-bag .*use the encoder it was built with, or rebuild/);
    // the same when the encoder inside the KB folder is swapped
    rmSync(join(dir, 'encoder'), { recursive: true });
    cpSync(otherEncoder(), join(dir, 'encoder'), { recursive: true });
    expect((await refusal(dir)).message).toMatch(/Wrong embedder/);
  });

  it('dimension mismatch: encoder declares another dimension, or the manifest disagrees with the index', async () => {
    const dir = copy();
    const enc = join(tempDir(), 'encoder');
    cpSync(TEXT_ENCODER, enc, { recursive: true });
    editJson(join(enc, 'manifest.json'), (j) => (j.dimension = 64));
    expect((await refusal(dir, { encoderDir: enc })).message).toMatch(/Dimension mismatch .* holds 128-dimensional vectors but the text encoder .* declares 64/);

    const dir2 = copy();
    editJson(join(dir2, 'manifest.json'), (j) => ((j.dimension = 64), ((j.embedder as { dimension: number }).dimension = 64)));
    expect((await refusal(dir2, { encoderDir: enc })).message).toMatch(/outputs 128 values per text but its manifest says dimension 64/);
  });

  it('missing files, a broken manifest, no KB at all', async () => {
    const dir = copy();
    rmSync(join(dir, 'vectors.f32'));
    expect((await refusal(dir)).message).toMatch(/incomplete: vectors\.f32 is missing/);
    const dir2 = copy();
    writeFileSync(join(dir2, 'manifest.json'), '{"format":');
    expect((await refusal(dir2)).message).toMatch(/manifest .* is not valid JSON/);
    const dir3 = copy();
    rmSync(join(dir3, 'manifest.json'));
    expect((await refusal(dir3)).message).toMatch(/not a knowledge base \(manifest\.json missing\)/);
    expect((await refusal(join(tempDir(), 'nothing'))).message).toMatch(/No knowledge base at .*build one with/);
  });

  it('"medrwr kb verify" reports a damaged KB and exits 1 instead of crashing', () => {
    const dir = copy();
    truncateSync(join(dir, 'passages.sqlite'), 1000);
    const bad = spawnSync(process.execPath, [join(ROOT, 'bin/medrwr.js'), 'kb', 'verify', dir], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^NOT OK: Knowledge base file passages\.sqlite .* is truncated/);
    const good = spawnSync(process.execPath, [join(ROOT, 'bin/medrwr.js'), 'kb', 'verify', pristine], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/^OK: kb 1: 3 files match the manifest/);
  });
});
