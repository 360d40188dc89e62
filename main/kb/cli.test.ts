import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT, tempDir, TEXT_ENCODER } from './testing/fixtures.js';

const medrwr = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin/medrwr.js'), ...args], { encoding: 'utf8' });

it('medrwr kb build shows progress with rate and ETA; search, info and verify read the result', () => {
  const dir = tempDir();
  const src = join(dir, 'knowledge_base.tsv');
  writeFileSync(src, Array.from({ length: 300 }, (_, i) => `${i}\tEntry ${i}: ${i % 2 ? 'pneumonia is infection of the lung parenchyma' : 'cirrhosis is scarring of the liver'} (${i}).`).join('\n'));
  const out = join(dir, 'kb');
  const build = medrwr('kb', 'build', src, '--encoder', TEXT_ENCODER, '--out', out, '--batch-size', '16');
  expect(build.status, build.stderr).toBe(0);
  expect(build.stderr).toMatch(/Embedding \[#+\] 100% 300\/300 passages +[\d.]+ passages\/s/);
  expect(build.stderr).toMatch(/Built .*: 300 documents, 300 passages, dimension \d+/);

  const search = medrwr('kb', 'search', out, 'liver scarring', '--k', '2', '--json');
  expect(search.status, search.stderr).toBe(0);
  const passages = JSON.parse(search.stdout) as { text: string; rank: number; scores: { fused?: number } }[];
  expect(passages.map((p) => p.rank)).toEqual([1, 2]);
  expect(passages[0]!.text).toMatch(/cirrhosis/);
  expect(passages[0]!.scores.fused).toBeGreaterThan(0);

  expect(medrwr('kb', 'search', out, 'liver', '--mode', 'dense').stdout).toMatch(/^\(1\) \d+ \[knowledge_base\.tsv\] {2}\{dense /);
  expect(medrwr('kb', 'info', out).stdout).toMatch(/passages 300 from 300 documents, chunks of ≥ 100 words/);
  expect(medrwr('kb', 'verify', out).stdout).toMatch(/^OK: kb 1: 3 files match the manifest/);
});

it('medrwr kb: usage errors exit 2 with the reason', () => {
  const r = medrwr('kb', 'build', 'x.tsv', '--out', '/tmp/x');
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/--encoder DIR is required/);
  expect(medrwr('kb', 'search', 'kb', 'q', '--mode', 'fuzzy').stderr).toMatch(/--mode must be hybrid, dense, bm25 or trigram, got "fuzzy"/);
  expect(medrwr('kb', 'frobnicate').stderr).toMatch(/unknown subcommand "frobnicate"/);
  const missing = medrwr('kb', 'search', join(tempDir(), 'none'), 'q');
  expect(missing.status).toBe(1);
  expect(missing.stderr).toMatch(/No knowledge base at .*build one with/);
});
