import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFaissVectors } from './faiss-format.js';
import { importFaiss } from './import-faiss.js';
import { FILES } from './kb-manifest.js';
import { openKnowledgeBase } from './open.js';
import { TextEncoder } from './text-encoder.js';
import { ROOT, tempDir, TEXT_ENCODER } from './testing/fixtures.js';

/** Written by FAISS itself (python3-faiss 1.7.3): models/fixtures/faiss/make_faiss_fixtures.py. */
const FIX = join(ROOT, 'models/fixtures/faiss');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, { ids: number[][] }> & { n: number; d: number; k: number };
const rawVectors = readFileSync(join(FIX, 'vectors.f32'));
const queries = new Float32Array(new Uint8Array(readFileSync(join(FIX, 'queries.f32'))).buffer);
const INDEXES = [
  ['flat-ip', 'IxFI', 'IndexFlatIP', 'ip'],
  ['flat-l2', 'IxF2', 'IndexFlatL2', 'l2'],
  ['hnsw-flat', 'IHNf', 'IndexHNSWFlat', 'ip'],
] as const;

const tsvLines = (n: number) => Array.from({ length: n }, (_, i) => `${i}\tPassage ${i} of the fixture corpus.`);

/** A FAISS IndexFlatIP file, as faiss::write_index lays it out (for vectors that only this test can make). */
function writeFlatIp(path: string, vectors: readonly Float32Array[]): void {
  const d = vectors[0]!.length;
  const head = Buffer.alloc(4 + 4 + 8 * 3 + 1 + 4 + 8);
  head.write('IxFI', 0, 'latin1');
  head.writeInt32LE(d, 4);
  head.writeBigInt64LE(BigInt(vectors.length), 8);
  head.writeBigInt64LE(1n << 20n, 16);
  head.writeBigInt64LE(1n << 20n, 24);
  head.writeUInt8(1, 32);
  head.writeInt32LE(0, 33);
  head.writeBigInt64LE(BigInt(vectors.length * d), 37);
  writeFileSync(path, Buffer.concat([head, ...vectors.map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength))]));
}

describe('FAISS files written by FAISS', () => {
  it.each(INDEXES)('%s: every stored vector is read bit for bit, with its type and metric', (name, fourcc, type, metric) => {
    const f = readFaissVectors(join(FIX, `${name}.faiss`));
    expect(f).toMatchObject({ type: { fourcc, name: type }, metric, dimension: expected.d, count: expected.n });
    expect(Buffer.from(f.vectors.buffer).equals(rawVectors)).toBe(true);
  });

  it.each(INDEXES.flatMap(([name, fourcc]) => (['flat', 'hnsw'] as const).map((mode) => [name, fourcc, mode] as const)))(
    '%s (%s) imports with dense index %s: vectors intact, the same top-10 as FAISS on 100 queries',
    async (name, fourcc, mode) => {
      const dir = tempDir();
      writeFileSync(join(dir, 'knowledge_base.tsv'), tsvLines(expected.n).join('\n') + '\n');
      const r = await importFaiss({ index: join(FIX, `${name}.faiss`), passages: join(dir, 'knowledge_base.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), checkSample: 0, denseIndex: mode, stderr: null });
      expect(r.manifest.imported).toMatchObject({ from: 'faiss', fourcc, vectors: expected.n, checked: { sample: 0, minCosine: null } });
      expect(r.manifest).toMatchObject({ index: mode, counts: { passages: expected.n } });
      expect(Object.keys(r.manifest.files).sort()).toEqual(mode === 'flat' ? ['passages.sqlite', 'vectors.f32'] : ['index.hnsw', 'passages.sqlite', 'vectors.f32']);
      expect(readFileSync(join(r.dir, FILES.vectors)).equals(rawVectors)).toBe(true);

      const kb = await openKnowledgeBase(r.dir); // integrity, embedder and index checks all pass
      try {
        const ours = Array.from({ length: queries.length / expected.d }, (_, q) => kb.retriever.searchVector(queries.slice(q * expected.d, (q + 1) * expected.d), expected.k).map((p) => Number(p.id)));
        expect(ours).toHaveLength(100);
        expect(ours).toEqual(expected[name]!.ids);
        expect((await kb.search('Passage 17 of the fixture corpus', { k: 1, mode: 'bm25' }))[0]!.id).toBe('17');
      } finally {
        await kb.close();
      }
    },
  );

  it('an IVF index is refused with its type named', async () => {
    const dir = tempDir();
    expect(() => readFaissVectors(join(FIX, 'ivf-flat.faiss'))).toThrow(/is a FAISS IwFl \(IndexIVFFlat\) index: only IndexFlatIP, IndexFlatL2 and IndexHNSWFlat/);
    writeFileSync(join(dir, 'kb.tsv'), tsvLines(50).join('\n'));
    await expect(importFaiss({ index: join(FIX, 'ivf-flat.faiss'), passages: join(dir, 'kb.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/IwFl \(IndexIVFFlat\)/);
  });

  it('a damaged or foreign file is refused with what is wrong', () => {
    const dir = tempDir();
    const whole = readFileSync(join(FIX, 'hnsw-flat.faiss'));
    writeFileSync(join(dir, 'cut.faiss'), whole.subarray(0, whole.length - 100));
    expect(() => readFaissVectors(join(dir, 'cut.faiss'))).toThrow(/cut\.faiss is not a readable FAISS index: it is truncated at byte \d+/);
    writeFileSync(join(dir, 'long.faiss'), Buffer.concat([readFileSync(join(FIX, 'flat-ip.faiss')), Buffer.alloc(3)]));
    expect(() => readFaissVectors(join(dir, 'long.faiss'))).toThrow(/3 bytes follow the index/);
    writeFileSync(join(dir, 'text.faiss'), '\x00\x01\x02\x03 hello');
    expect(() => readFaissVectors(join(dir, 'text.faiss'))).toThrow(/does not start with a FAISS type code \(first bytes 00010203\)/);
    expect(() => readFaissVectors(join(dir, 'none.faiss'))).toThrow(/Cannot read the FAISS index .*none\.faiss \(ENOENT\)/);
  });
});

describe('import checks', () => {
  it('the vector count must equal the TSV line count', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kb.tsv'), tsvLines(expected.n - 1).join('\n'));
    await expect(importFaiss({ index: join(FIX, 'flat-ip.faiss'), passages: join(dir, 'kb.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(
      new RegExp(`holds ${expected.n} vectors but .*kb\\.tsv has ${expected.n - 1} lines`),
    );
  });

  it('re-embedded passages must match their stored vectors when the encoder made them; others are refused', async () => {
    const dir = tempDir();
    const texts = ['Cardiomegaly is an enlarged heart.', 'Cirrhosis is scarring of the liver.', 'Pneumothorax is air in the pleural space.', 'Anaemia is a low haemoglobin.', 'Gout is urate crystal arthritis.'];
    writeFileSync(join(dir, 'kb.tsv'), texts.map((t, i) => `${i}\t${t}`).join('\n') + '\n');
    const encoder = await TextEncoder.open(TEXT_ENCODER);
    const vecs = await encoder.embed(texts);
    const encoderManifest = encoder.manifest;
    await encoder.close();
    writeFlatIp(join(dir, 'own.faiss'), vecs);
    const r = await importFaiss({ index: join(dir, 'own.faiss'), passages: join(dir, 'kb.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), checkSample: 5, stderr: null });
    expect(r.manifest.imported!.checked.sample).toBe(5);
    expect(r.manifest.imported!.checked.minCosine).toBeGreaterThan(0.9999);
    const kb = await openKnowledgeBase(r.dir);
    try {
      expect((await kb.search('liver scarring', { k: 1, mode: 'dense' }))[0]!.id).toBe('1');
      // what provenance records of this KB: the embedder and its ONNX sha256
      expect(kb.retriever.description.embedder).toEqual({ id: encoderManifest.id, version: encoderManifest.version, sha256: encoderManifest.onnx.sha256 });
    } finally {
      await kb.close();
    }

    writeFlatIp(join(dir, 'shuffled.faiss'), [vecs[1]!, vecs[0]!, ...vecs.slice(2)]);
    await expect(importFaiss({ index: join(dir, 'shuffled.faiss'), passages: join(dir, 'kb.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb2'), checkSample: 5, stderr: null })).rejects.toThrow(
      /were not made by the encoder .*: re-embedding line [12] \(id [01]\) gives cosine 0\.\d+ with its stored vector/,
    );
  });

  it('vectors that are not unit length are refused (the KB ranks by cosine)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kb.tsv'), '0\ta\n1\tb\n');
    const v = new Float32Array(128).fill(0.5);
    writeFlatIp(join(dir, 'raw.faiss'), [v, v]);
    await expect(importFaiss({ index: join(dir, 'raw.faiss'), passages: join(dir, 'kb.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/vector 0 has length 5\.65685, not 1/);
  });

  it('medrwr kb import-faiss imports the published layout; kb info tells where the vectors came from', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'knowledge_base.tsv'), tsvLines(expected.n).join('\n'));
    const medrwr = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/medrwr.js'), ...args], { encoding: 'utf8' });
    const r = medrwr('kb', 'import-faiss', join(FIX, 'hnsw-flat.faiss'), '--passages', join(dir, 'knowledge_base.tsv'), '--encoder', TEXT_ENCODER, '--out', join(dir, 'kb'), '--check', '0');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Imported .*kb: 300 passages from IndexHNSWFlat hnsw-flat\.faiss \(300 × 128, ip\), exact search/);
    expect(medrwr('kb', 'info', join(dir, 'kb')).stdout).toMatch(/vectors imported from IndexHNSWFlat hnsw-flat\.faiss \(IHNf, ip, 300 vectors\), not re-embedded/);
    expect(medrwr('kb', 'import-faiss', join(FIX, 'hnsw-flat.faiss'), '--out', join(dir, 'x')).stderr).toMatch(/--passages knowledge_base\.tsv is required/);
  });
});
