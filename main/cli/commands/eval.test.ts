import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, referenceImage } from '../../engine/testing/fixture.js';
import { encodePng } from '../../imaging/decode.js';

const work = mkdtempSync(join(tmpdir(), 'medrwr-eval-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(join(work, 'a.png'), encodePng(referenceImage(56, 56)));
const bench = join(work, 'bench.jsonl');
writeFileSync(
  bench,
  [
    { id: 'c1', images: ['a.png'], question: 'Which?', options: ['cyst', 'mass'], answer: 'A', split: 'seen' },
    { id: 'c2', image: 'a.png', question: 'Which?\nA. cyst\nB. mass', answer: 'B. mass', split: 'unseen' },
  ]
    .map((r) => JSON.stringify(r))
    .join('\n'),
);

function medrwr(args: string[]) {
  return spawnSync(process.execPath, ['bin/medrwr.js', 'eval', '--data-dir', join(work, 'data'), ...args], { encoding: 'utf8' });
}

describe('medrwr eval', () => {
  it('runs every case through the reasoning loop on the fixture model and reports per split (--json)', () => {
    const r = medrwr([bench, '--model', FIXTURE_DIR, '--max-new-tokens', '6', '--ep', 'cpu', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { setup: { retrieval: boolean; cdir: boolean }; summary: { n: number; splits: Record<string, { n: number }>; maxRounds: number }; cases: { id: string; rounds: number; status: string }[] };
    expect(out.summary.n).toBe(2);
    expect(Object.keys(out.summary.splits).sort()).toEqual(['seen', 'unseen']);
    expect(out.cases.map((c) => c.status)).toEqual(['completed', 'completed']);
    expect(out.summary.maxRounds).toBeLessThanOrEqual(3);
    expect(out.setup).toMatchObject({ retrieval: false, cdir: false });
    expect(r.stderr).toMatch(/2\/2 {2}accuracy/);
  });
  it('--limit keeps the first cases; the table names the ablation', () => {
    const r = medrwr([bench, '--model', FIXTURE_DIR, '--max-new-tokens', '4', '--ep', 'cpu', '--limit', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| medrwr-tiny-random, no retrieval, no CDIR/);
    expect(r.stdout).toMatch(/\| cases +\| 1 \|/);
  });
  it('refuses bad input with a specific message', () => {
    expect(medrwr([bench]).stderr).toMatch(/--model DIR is required/);
    expect(medrwr([bench, '--model', FIXTURE_DIR, '--limit', '0']).stderr).toMatch(/--limit must be a positive integer/);
    const missing = medrwr([join(work, 'none.jsonl'), '--model', FIXTURE_DIR]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read benchmark .*none\.jsonl/);
  });
});
