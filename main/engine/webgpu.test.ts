import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrompt } from './chat.js';
import { generate } from './generate.js';
import { ModelRunner, type PreparedChunk } from './model-runner.js';
import { FIXTURE_DIR, maxAbsDiff, reference, referenceImage } from './testing/fixture.js';
import { useSoftwareWebGpu } from './testing/webgpu.js';

// The device-resident path on WebGPU, run here on Chromium's software Vulkan driver (exact, slow): the KV cache stays
// a `gpu-buffer` from step to step and through truncation, and the results equal the CPU provider's.
useSoftwareWebGpu();
const greedy = { temperature: 0, topK: 0, topP: 1, repetitionPenalty: 1, seed: 0 };
const DEMO = 'models/medrwr-tiny';

/**
 * Largest logit difference from the CPU provider (acceptance: 1e-3). WebGPU and CPU sum in different orders, a few ulps
 * apart; the rotary angles' sin/cos, which GPU drivers compute loosely (2e-4 off here, 1.3e-3 on the logits), are
 * arithmetic in the graphs (models/lib/precise_trig.py): measured 2e-5 on the demo model, and the device agrees with
 * itself to ~4e-6.
 */
const CPU_TOL = 1e-4;

for (const [label, modelDir, steps] of [['tiny-random fixture', FIXTURE_DIR, 6], ['demo model', DEMO, 6]] as const) {
  describe(`WebGPU on the ${label}`, () => {
    let gpu: ModelRunner;
    let cpu: ModelRunner;
    let prompt: PreparedChunk;
    beforeAll(async () => {
      gpu = await ModelRunner.open({ modelDir, ep: 'webgpu', threads: 1 });
      cpu = await ModelRunner.open({ modelDir, ep: 'cpu', threads: 1 });
      expect(gpu.provider, gpu.fallbackNotice ?? '').toBe('webgpu');
      const question = modelDir === FIXTURE_DIR ? reference().prompt.question : 'Which condition best explains the finding?\nA. Varnel cyst\nB. Rowbeck nodule';
      // Two images of different sizes, so rope_delta ≠ 0 (the fixture); one on the demo model (its prompts have one).
      prompt = await cpu.prepare(buildPrompt(cpu.manifest, modelDir === FIXTURE_DIR ? [referenceImage(), referenceImage(84, 56)] : [referenceImage()], question));
    }, 300_000);
    afterAll(async () => {
      await gpu?.dispose();
      await cpu?.dispose();
    });

    async function fresh(r: ModelRunner, ids: readonly number[]): Promise<Float32Array> {
      r.reset();
      await r.run({ ids: [...prompt.ids, ...ids], blocks: prompt.blocks });
      return r.lastLogits;
    }

    it('cached greedy decoding keeps the cache on the device and equals full recomputation and the CPU provider', { timeout: 600_000 }, async () => {
      gpu.reset();
      await gpu.run(prompt);
      expect(gpu.cacheLocations).toEqual(['gpu-buffer']);
      const cached: Float32Array[] = [];
      const locations = new Set<string>();
      const res = await generate(gpu, { maxNewTokens: steps, sampling: greedy }, () => {
        cached.push(gpu.lastLogits);
        gpu.cacheLocations.forEach((l) => locations.add(l));
      });
      expect([...locations]).toEqual(['gpu-buffer']);
      await fresh(cpu, []);
      const onCpu = await generate(cpu, { maxNewTokens: steps, sampling: greedy }, () => undefined);
      expect(res.ids).toEqual(onCpu.ids);
      for (let i = 0; i < res.ids.length; i++) {
        const full = await fresh(gpu, res.ids.slice(0, i));
        let best = 0;
        for (let v = 1; v < full.length; v++) if (full[v]! > full[best]!) best = v;
        expect(best).toBe(res.ids[i]);
        expect(maxAbsDiff(cached[i]!, full)).toBeLessThan(1e-4);
        expect(maxAbsDiff(cached[i]!, await fresh(cpu, res.ids.slice(0, i)))).toBeLessThan(CPU_TOL);
      }
    });

    it('truncate-then-append on the device equals a fresh prefill, and the cache never leaves the device', { timeout: 300_000 }, async () => {
      const tok = gpu.tokenizer;
      const a = tok.encodeText('<think> the nodule is hypoechoic </think>\n<query> hypoechoic nodule </query>');
      const b = ['\n', '<query> hypoechoic nodule </query>\n', '<retrieve> (1) Rowbeck nodules are hypoechoic.\n </retrieve>\n'].flatMap((p) => tok.encodeText(p));
      gpu.reset();
      await gpu.run(prompt);
      await gpu.feedIds(a);
      const keep = prompt.ids.length + 6;
      await gpu.truncate(keep);
      expect(gpu.length).toBe(keep);
      expect(gpu.cacheLocations).toEqual(['gpu-buffer']);
      await gpu.feedIds(b);
      expect(gpu.cacheLocations).toEqual(['gpu-buffer']);
      const resumed = gpu.lastLogits;
      expect(maxAbsDiff(resumed, await fresh(gpu, [...a.slice(0, 6), ...b]))).toBeLessThan(1e-4);
      expect(maxAbsDiff(resumed, await fresh(cpu, [...a.slice(0, 6), ...b]))).toBeLessThan(CPU_TOL);
    });
  });
}
