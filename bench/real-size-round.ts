// A full Med-RwR round on the real-width package on the CPU (issue 11, acceptance 3), through the app's reasoning loop:
// prompt with an image → decode → <query> → retrieval from the demo knowledge base → evidence injected → answer.
// The weights are random, so the text of both rounds is FORCED (SamplingParams.forced); the real-size graphs compute
// every step: the vision tower on the image, the prompt prefill, every decode step, the injected evidence.
//   scripts/real-size-round [--model DIR] [--dtype q4] [--threads N] [--json]
import { join } from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createEngine } from '../main/engine/engine-client.js';
import { openKnowledgeBase } from '../main/kb/open.js';
import { runReasoning } from '../main/reasoning/run.js';
import { ForcedEngine } from '../main/reasoning/testing/forced-engine.js';
import { FORCED_ROUND, HOW_TO_MAKE, loadAverage, QUESTION, REAL_SIZE_DIR, syntheticImage } from './real-size.js';

const ROOT = join(import.meta.dirname, '..');

export interface RoundFigures {
  dtype: string;
  loadMs: number;
  rssMiB: number;
  prefillMs: number;
  decodeMs: number;
  generatedTokens: number;
  retrievalMs: number;
  totalMs: number;
  load: string;
}

export async function realSizeRound(modelDir: string, dtype: string, threads: number, log: (line: string) => void): Promise<RoundFigures> {
  const t0 = performance.now();
  const inner = await createEngine({ modelDir, ep: 'cpu', dtype, threads });
  const loadMs = performance.now() - t0;
  const kb = await openKnowledgeBase(join(ROOT, 'kb/demo/index'));
  try {
    log(`model ${inner.info.modelId} (${inner.info.dtype}, ${(inner.info.variantBytes / 1e9).toFixed(2)} GB) loaded in ${(loadMs / 1000).toFixed(1)} s; knowledge base ${kb.manifest.id}`);
    log('NOTE: random weights. The text of both rounds below is FORCED token by token; the real-size graphs compute every step.');
    const res = await runReasoning(
      { taskId: 'real-size-round', images: [syntheticImage()], ...QUESTION },
      { engine: new ForcedEngine(inner, FORCED_ROUND), textRetriever: kb.retriever },
      { cdir: false },
    );
    if (res.status !== 'completed') throw new Error(`the round ended ${res.status}: ${res.error ?? ''}`);
    for (const e of res.events) {
      if (e.type === 'query') log(`query (round ${e.round}): ${e.query}`);
      if (e.type === 'evidence') e.passages.forEach((p, i) => log(`evidence ${i + 1}: ${p.text.slice(0, 100)}…`));
    }
    log(`transcript (forced text + injected evidence):\n${res.transcript}`);
    log(`answer ${res.answer?.letter ?? '-'} (valid ${res.answer?.valid}); the model's own probability of it: ${res.answer?.confidence?.toExponential(2) ?? '-'}`);
    const t = res.timings;
    const figures: RoundFigures = {
      dtype: inner.info.dtype,
      loadMs,
      rssMiB: process.memoryUsage().rss / 2 ** 20,
      prefillMs: t.prefillMs,
      decodeMs: t.decodeMs,
      generatedTokens: t.generatedTokens,
      retrievalMs: t.retrievalMs,
      totalMs: t.totalMs,
      load: loadAverage(),
    };
    log(
      `timings: load ${(loadMs / 1000).toFixed(1)} s; prefill (prompt with image + injected evidence) ${(t.prefillMs / 1000).toFixed(1)} s; ` +
        `decode ${t.generatedTokens} tokens in ${(t.decodeMs / 1000).toFixed(1)} s (${((t.generatedTokens * 1000) / t.decodeMs).toFixed(2)} tok/s); ` +
        `retrieval ${t.retrievalMs.toFixed(0)} ms; round ${(t.totalMs / 1000).toFixed(1)} s; resident ${figures.rssMiB.toFixed(0)} MiB; load average ${figures.load}`,
    );
    return figures;
  } finally {
    await kb.close();
    await inner.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string', default: REAL_SIZE_DIR }, dtype: { type: 'string', default: 'q4' }, threads: { type: 'string' }, json: { type: 'boolean', default: false } } });
  const threads = Number(values.threads ?? Math.max(1, Math.min(4, os.cpus().length - 1)));
  try {
    const f = await realSizeRound(values.model!, values.dtype!, threads, (l) => console.log(l));
    if (values.json) console.log(JSON.stringify(f));
  } catch (err) {
    console.error(`real-size round: ${(err as Error).message}`);
    if (/manifest\.json/.test((err as Error).message)) console.error(HOW_TO_MAKE);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await main();
