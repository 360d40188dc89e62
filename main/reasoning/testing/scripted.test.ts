import { describe, expect, it } from 'vitest';
import type { EngineStreamEvent } from '../../engine/engine.js';
import type { GenerateOptions } from '../../engine/generate.js';
import { ScriptedEngine } from './scripted.js';

const opts = (probe?: GenerateOptions['probe']): GenerateOptions => ({
  maxNewTokens: 100,
  sampling: { temperature: 0, topK: 1, topP: 1, repetitionPenalty: 1, seed: 0 },
  ...(probe ? { probe } : {}),
});

async function probedTokens(output: string, o: GenerateOptions): Promise<string[]> {
  const engine = new ScriptedEngine([{ output, answerProbs: { A: 0.3, B: 0.7 } }]);
  const probed: string[] = [];
  for await (const e of engine.generate(o) as AsyncIterable<EngineStreamEvent>) if (e.type === 'token' && e.token.probe) probed.push(e.token.text);
  return probed;
}

// The scripted engine stands in for main/engine/generate.ts, so it probes where the real loop does: once, at the first
// token after the last `opts.probe.afterText` with only whitespace between, and only when the call asks for a probe.
describe('the scripted engine probes as the real loop does', () => {
  const probe = (afterText = '<answer>') => ({ afterText, tokenIds: [1065, 1066] });

  it('probes the token after <answer>, also one that carries whitespace first, and only once', async () => {
    expect(await probedTokens('<answer>\n A</answer> then <answer> B</answer>', opts(probe()))).toEqual(['\n A']);
  });

  it('probes after the text the call names, not a fixed <answer>', async () => {
    expect(await probedTokens('<answer> A</answer> <final> B', opts(probe('<final>')))).toEqual([' B']);
  });

  it('does not probe when the call asks for no probe', async () => {
    expect(await probedTokens('<answer> B</answer>', opts())).toEqual([]);
  });
});
