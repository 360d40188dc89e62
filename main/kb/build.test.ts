import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { chunkText } from './chunk.js';
import { openKnowledgeBase } from './open.js';
import { tempDir, TEXT_ENCODER } from './testing/fixtures.js';

const words = (n: number, w = 'word') => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

describe('chunking', () => {
  it('keeps a short document whole and cuts a long one at sentence ends into pieces of at least N words', () => {
    expect(chunkText('one two three.', 100)).toEqual(['one two three.']);
    const sentences = Array.from({ length: 30 }, (_, i) => `Sentence ${i} has exactly six words.`).join(' ');
    const chunks = chunkText(sentences, 20);
    // 180 words in six-word sentences: seven chunks of 24 words, then a 12-word tail (at least half of N, so it stands alone)
    expect(chunks.map((c) => c.split(' ').length)).toEqual([24, 24, 24, 24, 24, 24, 24, 12]);
    for (const c of chunks.slice(0, -1)) expect(c.split(' ').length).toBeGreaterThanOrEqual(20);
    expect(chunks.join(' ')).toBe(sentences);
    expect(chunks.every((c) => c.endsWith('.'))).toBe(true);
  });

  it('folds a short tail into the previous chunk', () => {
    const text = `${words(100)}. ${words(10, 'tail')}.`;
    expect(chunkText(text, 100)).toEqual([text]);
  });
});

describe('build then search, for each input format', () => {
  it('knowledge_base.tsv (Med-RwR), with chunking', async () => {
    const dir = tempDir();
    const long = `Pneumothorax is air in the pleural space. ${words(120, 'filler')}. The collapsed lung re-expands after drainage. ${words(110, 'padding')}.`;
    writeFileSync(
      join(dir, 'knowledge_base.tsv'),
      ['0\tCardiomegaly is an enlarged heart seen on a chest radiograph.', `1\t${long}`, '2 Cirrhosis is scarring of the liver from chronic injury.', ''].join('\n'),
    );
    const r = await buildKnowledgeBase({ sources: [join(dir, 'knowledge_base.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), chunkWords: 100, stderr: null });
    expect(r.manifest.counts).toEqual({ documents: 3, passages: 4, sources: { 'knowledge_base.tsv': 4 } });
    expect(r.manifest.chunking.words).toBe(100);
    const kb = await openKnowledgeBase(r.dir);
    try {
      const [top] = await kb.search('enlarged heart', { k: 1 });
      expect(top!.id).toBe('0');
      const chunks = await kb.search('collapsed lung drainage', { k: 1, mode: 'bm25' });
      expect(chunks[0]!.id).toBe('1#2');
      expect(chunks[0]!.text.split(' ').length).toBeGreaterThanOrEqual(100);
      expect((await kb.search('scarring of the liver', { k: 1 }))[0]!.id).toBe('2');
    } finally {
      await kb.close();
    }
  });

  it('JSONL with id, title, text and source', async () => {
    const dir = tempDir();
    const rows = [
      { id: 'a', title: 'Atelectasis', text: 'Collapse or incomplete expansion of part of a lung.', source: 'notes' },
      { id: 'b', title: 'Emphysema', text: 'Destruction of alveolar walls with air trapping.', source: 'notes' },
      { id: 'c', text: 'Osteoporosis: reduced bone density with fracture risk.', source: 'other' },
    ];
    writeFileSync(join(dir, 'kb.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
    const r = await buildKnowledgeBase({ sources: [join(dir, 'kb.jsonl')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null });
    expect(r.manifest.counts.sources).toEqual({ notes: 2, other: 1 });
    const kb = await openKnowledgeBase(r.dir);
    try {
      const [top] = await kb.search('atelectasis', { k: 1 });
      expect(top).toMatchObject({ id: 'a', title: 'Atelectasis', source: 'notes', rank: 1 });
      expect((await kb.search('bone density', { k: 3, sources: ['notes'] })).every((p) => p.source === 'notes')).toBe(true);
    } finally {
      await kb.close();
    }
  });

  it('a folder of Markdown, searched recursively; ids are paths, titles are first headings', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'md', 'chest'), { recursive: true });
    writeFileSync(join(dir, 'md', 'chest', 'effusion.md'), '# Pleural effusion\n\nFluid in the **pleural space**; blunting of the costophrenic angle.\n');
    writeFileSync(join(dir, 'md', 'liver.md'), '# Hepatomegaly\n\n- enlarged liver\n- palpable below the costal margin\n');
    const r = await buildKnowledgeBase({ sources: [join(dir, 'md')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null });
    expect(r.manifest.counts.passages).toBe(2);
    const kb = await openKnowledgeBase(r.dir);
    try {
      const [top] = await kb.search('costophrenic angle blunting', { k: 1 });
      expect(top).toMatchObject({ id: 'chest/effusion', title: 'Pleural effusion', source: 'md' });
      expect(top!.text).not.toContain('**');
    } finally {
      await kb.close();
    }
  });

  it('writes the manifest the format promises', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k.tsv'), '1\tAnaemia is a low haemoglobin concentration.\n');
    const { manifest } = await buildKnowledgeBase({ sources: [join(dir, 'k.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), id: 'demo', version: '2', stderr: null });
    const encoder = JSON.parse(readFileSync(join(TEXT_ENCODER, 'manifest.json'), 'utf8')) as { id: string; onnx: { sha256: string }; dimension: number };
    expect(manifest).toMatchObject({ format: 'medrwr-kb/1', id: 'demo', version: '2', metric: 'cosine', dimension: encoder.dimension, embedder: { id: encoder.id, sha256: encoder.onnx.sha256 } });
    expect(Object.keys(manifest.files).sort()).toEqual(['index.hnsw', 'passages.sqlite', 'vectors.f32']);
    expect(manifest.hnsw).toMatchObject({ m: 16, efConstruction: 200 });
    expect(Date.parse(manifest.built)).not.toBeNaN();
  });
});

describe('bad input is refused with a specific message', () => {
  it('names the line and what was expected', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.jsonl'), '{"id":"x","text":"ok"}\n{"id":"y"}\n');
    await expect(buildKnowledgeBase({ sources: [join(dir, 'bad.jsonl')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/bad\.jsonl:2: each line needs a string "id" and a non-empty string "text"/);
    writeFileSync(join(dir, 'bad.tsv'), 'lonely\n');
    await expect(buildKnowledgeBase({ sources: [join(dir, 'bad.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/hold no text to index \(1 lines skipped, the first: .*bad\.tsv:1: no tab between an id and the text/);
    writeFileSync(join(dir, 'dup.tsv'), '1\ta\n1\tb\n');
    writeFileSync(join(dir, 'dup2.tsv'), '1\tc\n');
    await expect(buildKnowledgeBase({ sources: [join(dir, 'dup.tsv'), join(dir, 'dup2.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/Duplicate document id "1"/);
    await expect(buildKnowledgeBase({ sources: [join(dir, 'nope.csv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/does not exist/);
    await expect(buildKnowledgeBase({ sources: [join(dir, 'dup.tsv')], encoderDir: dir, out: join(dir, 'kb'), stderr: null })).rejects.toThrow(/No encoder at .*manifest\.json missing/);
  });

  it('refuses to overwrite an existing knowledge base without --force', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k.tsv'), '1\tAnaemia is a low haemoglobin concentration.\n');
    const opts = { sources: [join(dir, 'k.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr: null };
    await buildKnowledgeBase(opts);
    await expect(buildKnowledgeBase(opts)).rejects.toThrow(/already exists: choose another --out, or pass --force/);
    await expect(buildKnowledgeBase({ ...opts, force: true })).resolves.toMatchObject({ resumedAtBatch: null });
  });
});
