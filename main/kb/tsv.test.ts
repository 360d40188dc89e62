import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKnowledgeBase } from './build.js';
import { readFaissVectors } from './faiss-format.js';
import { importFaiss } from './import-faiss.js';
import { FILES } from './kb-manifest.js';
import { openKnowledgeBase } from './open.js';
import { ROOT, tempDir, TEXT_ENCODER } from './testing/fixtures.js';
import { MAX_LINE_BYTES, readKbTsv } from './tsv.js';

/**
 * knowledge_base.tsv in the published layout with every kind of bad line. Lines 1..12, one per FAISS id 0..11:
 * good passages keep their ids and their own vectors; each bad line is reported by number, nothing else is lost.
 */
function oddTsv(): { bytes: Buffer; good: Map<number, { id: string; text: string }>; bad: Map<number, RegExp> } {
  const good = new Map<number, { id: string; text: string }>();
  const bad = new Map<number, RegExp>();
  const parts: Buffer[] = [];
  const add = (line: string | Buffer, expect?: RegExp) => {
    const n = parts.length + 1;
    parts.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);
    if (expect) bad.set(n, expect);
    else {
      const [id, text] = String(line).split('\t');
      good.set(n, { id: id!, text: text! });
    }
  };
  add('100\tCardiomegaly is an enlarged heart on a chest radiograph.');
  add('', /empty/);
  add('101\tCirrhosis is scarring of the liver from chronic injury.');
  add('just some words with no id or tab', /no tab between an id and the text/);
  add(`102\t${'very long passage '.repeat(Math.ceil(MAX_LINE_BYTES / 18) + 10)}`, /bytes long, over the 1048576-byte limit/);
  add(Buffer.concat([Buffer.from('103\tlatin-1 caf'), Buffer.from([0xe9]), Buffer.from(' au lait')]), /not valid UTF-8/);
  add('104\tPneumothorax is air in the pleural space; répété en français: ça va.');
  add('105\t   ', /no text after the id "105"/);
  add('\tText without an id.', /no id before the tab/);
  add('101\tA second passage claiming id 101.', /id "101" repeats line 3/);
  add('106\tAnaemia is a low haemoglobin concentration.\r');
  add('107 Gout is arthritis from urate crystals (the space form the reference client strips).');
  return { bytes: Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')])), good, bad };
}

describe('knowledge_base.tsv with odd lines', () => {
  it('reads each good line and reports each bad one by number and reason', () => {
    const dir = tempDir();
    const { bytes, good, bad } = oddTsv();
    writeFileSync(join(dir, 'kb.tsv'), bytes);
    const t = readKbTsv(join(dir, 'kb.tsv'));
    expect(t.lines).toBe(12);
    expect(t.records.map((r) => r.line)).toEqual([...good.keys()]);
    expect(t.records.map((r) => r.id)).toEqual(['100', '101', '104', '106', '107']);
    expect(t.records.find((r) => r.id === '104')!.text).toBe('Pneumothorax is air in the pleural space; répété en français: ça va.');
    expect(t.records.find((r) => r.id === '106')!.text).toBe('Anaemia is a low haemoglobin concentration.');
    expect(t.records.find((r) => r.id === '107')!.text).toMatch(/^Gout is arthritis/);
    expect(t.problems.map((p) => p.line)).toEqual([...bad.keys()]);
    for (const p of t.problems) expect(p.reason).toMatch(bad.get(p.line)!);
  });

  it('kb build keeps every good passage and names every bad line on stderr and in the manifest', async () => {
    const dir = tempDir();
    const { bytes, bad } = oddTsv();
    writeFileSync(join(dir, 'knowledge_base.tsv'), bytes);
    const said: string[] = [];
    const stderr = { write: (s: string) => said.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
    const r = await buildKnowledgeBase({ sources: [join(dir, 'knowledge_base.tsv')], encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), stderr });
    expect(r.manifest.counts.documents).toBe(5);
    expect(r.skipped.map((s) => s.line)).toEqual([...bad.keys()]);
    for (const line of bad.keys()) expect(said.join('')).toContain(`knowledge_base.tsv:${line}: `);
    expect(r.manifest.skipped).toMatchObject({ count: bad.size, lines: [...bad.keys()].map((line) => ({ source: 'knowledge_base.tsv', line })) });
    const kb = await openKnowledgeBase(r.dir);
    try {
      expect((await kb.search('répété en français', { k: 1, mode: 'bm25' }))[0]!.id).toBe('104');
    } finally {
      await kb.close();
    }
  });

  it('kb import-faiss keeps each good line with its own vector (FAISS id = line - 1) and reports the bad ones', async () => {
    const dir = tempDir();
    const { bytes, good, bad } = oddTsv();
    writeFileSync(join(dir, 'knowledge_base.tsv'), bytes);
    // a FAISS file written by FAISS with 12 vectors: the first 12 of the fixture (header patched to ntotal 12)
    const f = readFaissVectors(join(ROOT, 'models/fixtures/faiss/flat-ip.faiss'));
    const d = f.dimension;
    const head = Buffer.from(readFileSync(join(ROOT, 'models/fixtures/faiss/flat-ip.faiss')).subarray(0, 45));
    head.writeBigInt64LE(12n, 8);
    head.writeBigInt64LE(BigInt(12 * d), 37);
    writeFileSync(join(dir, 'kb.faiss'), Buffer.concat([head, Buffer.from(f.vectors.buffer, 0, 12 * d * 4)]));
    const r = await importFaiss({ index: join(dir, 'kb.faiss'), passages: join(dir, 'knowledge_base.tsv'), encoderDir: TEXT_ENCODER, out: join(dir, 'kb'), checkSample: 0, stderr: null });
    expect(r.skipped.map((s) => s.line)).toEqual([...bad.keys()]);
    expect(r.manifest.counts.passages).toBe(good.size);
    const stored = new Float32Array(new Uint8Array(readFileSync(join(r.dir, FILES.vectors))).buffer);
    [...good.keys()].forEach((line, label) => expect(stored.subarray(label * d, (label + 1) * d)).toEqual(f.vectors.subarray((line - 1) * d, line * d)));
    const kb = await openKnowledgeBase(r.dir);
    try {
      const hit = (await kb.search('enlarged heart', { k: 1, mode: 'bm25' }))[0]!;
      expect(hit).toMatchObject({ id: '100', source: 'knowledge_base.tsv' });
    } finally {
      await kb.close();
    }
  });
});
