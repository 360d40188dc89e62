import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The bundled demo (models/medrwr-tiny, kb/demo/index, demo/studies) through `medrwr ask`, on two of demo/cases.json's
// cases: what a newcomer's first runs show. The model's figures over the whole benchmark are `medrwr eval`'s (model card).
const work = mkdtempSync(join(tmpdir(), 'medrwr-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface DemoCase {
  title: string;
  question: string;
  options: { letter: string; text: string }[];
  images: { file: string }[];
}
const cases = JSON.parse(readFileSync('demo/cases.json', 'utf8')) as DemoCase[];

interface Event {
  type: string;
  query?: string;
  passages?: { text: string }[];
  phase?: string;
  letter?: string;
  confidence?: number;
}

function ask(c: DemoCase, extra: string[] = []) {
  const args = ['bin/medrwr.js', 'ask', '--data-dir', join(work, 'data'), '--model', 'models/medrwr-tiny', '--kb', 'kb/demo/index',
    '--question', c.question, ...c.options.flatMap((o) => ['--option', `${o.letter}. ${o.text}`]),
    ...c.images.flatMap((i) => ['--image', join('demo', i.file)]), '--json', ...extra];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { events: Event[] }).events;
}

describe('the bundled demo model', () => {
  const unseen = cases.find((c) => /never trained on/.test(c.title))!;
  const ambiguous = cases.find((c) => /ambiguous/i.test(c.title))!;

  it('answers a condition it never trained on by retrieving its passage: a query, three passages, a confident answer', () => {
    const events = ask(unseen);
    const query = events.find((e) => e.type === 'query');
    expect(query?.query).toMatch(/lesion with (smooth|spiculated) margin, (single|multiple)$/);
    const evidence = events.find((e) => e.type === 'evidence');
    expect(evidence?.passages).toHaveLength(3);
    expect(evidence!.passages![0]!.text).toMatch(/^Sornby nodule is /);
    const answers = events.filter((e) => e.type === 'answer');
    expect(answers).toHaveLength(1); // confident enough that CDIR does not run
    expect(answers[0]).toMatchObject({ phase: 'initial', letter: unseen.options.find((o) => o.text === 'Sornby nodule')!.letter });
    expect(answers[0]!.confidence).toBeGreaterThan(0.8);
  });

  it('without retrieval the same case gets no passages', () => {
    const events = ask(unseen, ['--no-retrieval', '--no-cdir']);
    expect(events.find((e) => e.type === 'evidence')?.passages ?? []).toHaveLength(0);
    expect(events.filter((e) => e.type === 'answer')).toHaveLength(1);
  });

  it('is unsure between twins whose descriptions coincide, so CDIR consults the image library and settles it', () => {
    const events = ask(ambiguous);
    const [initial, cdir] = events.filter((e) => e.type === 'answer');
    expect(initial!.confidence).toBeLessThan(0.8);
    expect(cdir).toMatchObject({ phase: 'cdir', letter: ambiguous.options.find((o) => o.text === 'Rowbeck nodule')!.letter });
  });
});
