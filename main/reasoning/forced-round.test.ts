import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../app/paths.js';
import { createEngine } from '../engine/engine-client.js';
import type { Engine } from '../engine/engine.js';
import { FIXTURE_DIR, referenceImage } from '../engine/testing/fixture.js';
import { openKnowledgeBase, type KnowledgeBase } from '../kb/open.js';
import { runReasoning } from './run.js';
import { ForcedEngine } from './testing/forced-engine.js';

// What scripts/real-size-round does on the real-width package, here on the fixture model: a full round (query,
// retrieval from the demo knowledge base, injected evidence, answer) through the real engine with forced decoding.
const FORCED = ['<think> An anechoic round lesion. </think>\n<query> anechoic round lesion with smooth margin </query>', '<think> The passage fits. </think>\n<answer> A </answer>'];
let engine: Engine;
let kb: KnowledgeBase;

beforeAll(async () => {
  engine = await createEngine({ modelDir: FIXTURE_DIR, ep: 'cpu', threads: 1 });
  kb = await openKnowledgeBase(join(projectRoot(), 'kb/demo/index'));
});
afterAll(async () => {
  await engine?.close();
  await kb?.close();
});

describe('a forced Med-RwR round on the real engine', () => {
  it('queries, retrieves from the knowledge base, injects the evidence and answers; every token decoded by the model', async () => {
    const res = await runReasoning(
      { taskId: 'forced', images: [referenceImage()], question: 'Which lesion is shown?', options: ['A. Varnel cyst', 'B. Ostrick nodule'] },
      { engine: new ForcedEngine(engine, FORCED), textRetriever: kb.retriever },
    );
    expect(res.status).toBe('completed');
    expect(res.events.filter((e) => e.type === 'query').map((e) => (e.type === 'query' ? e.query : ''))).toEqual(['anechoic round lesion with smooth margin']);
    const evidence = res.events.find((e) => e.type === 'evidence');
    const passages = evidence?.type === 'evidence' ? evidence.passages : [];
    expect(passages.length).toBe(3);
    expect(passages[0]!.text).toContain('Varnel cyst');
    expect(res.transcript).toContain(`<retrieve> (1) ${passages[0]!.text}`);
    expect(res.transcript.endsWith(FORCED[1]!)).toBe(true);
    expect(res.answer).toMatchObject({ letter: 'A', valid: true });
    expect(res.answer!.confidence).toBeGreaterThan(0); // the model's own probability of the forced letter, from real logits
    expect(res.timings.rounds).toBe(2);
    const tokens = res.events.filter((e) => e.type === 'token');
    expect(tokens.length).toBe(res.timings.generatedTokens);
    expect(tokens.every((t) => t.type === 'token' && Number.isFinite(t.logprob) && t.logprob < 0)).toBe(true);
  });
});
