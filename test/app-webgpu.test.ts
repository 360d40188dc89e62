import { afterAll, describe, expect, it } from 'vitest';
import { SWIFTSHADER_ICD, useSoftwareWebGpu } from '../main/engine/testing/webgpu.js';
import { serveApp, type ServedApp } from './support/cli.js';

// Issue 13, acceptance 2 for the app: `medrwr serve` runs a demo case with the execution provider set to WebGPU
// (Chromium's SwiftShader Vulkan here), retrieval and CDIR included, and reaches the CPU provider's answer.
let app: ServedApp | undefined;
afterAll(() => app?.stop());

interface Run {
  id: string;
  status: string;
  provenance: { executionProvider: string } | null;
  events: { type: string; phase?: string; letter?: string | null; text?: string; distribution?: Record<string, number>; message?: string }[];
}

describe('the app on WebGPU', () => {
  it('runs a demo case on WebGPU with the same answers as on CPU, and names the provider in the run', { timeout: 600_000 }, async () => {
    useSoftwareWebGpu(); // fails, not skips, when the driver is missing
    app = await serveApp({ env: { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: '/tmp' } });
    const api = <T,>(method: string, params: unknown = {}) => app!.call<T>(method, params);
    await api('cases.ensureDemo');
    const { cases } = await api<{ cases: { id: string; title: string }[] }>('cases.list');
    // The ambiguous demo case: two rounds of retrieval and a CDIR pass, so every part of a run is on the device.
    const demo = cases.find((c) => /ambiguous/.test(c.title)) ?? cases[0]!;
    const run = async (executionProvider: 'cpu' | 'webgpu'): Promise<Run> => {
      const { runId } = await api<{ runId: string }>('cases.run', { caseId: demo.id, settings: { executionProvider } });
      let found: Run | undefined;
      await expect
        .poll(
          async () => {
            const { runs } = await api<{ runs: Run[] }>('cases.get', { caseId: demo.id, audit: false });
            found = runs.find((r) => r.id === runId);
            return found?.status;
          },
          { timeout: 280_000, interval: 500 },
        )
        .not.toBe('running');
      return found!;
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    expect(cpu.status).toBe('completed');
    expect(gpu.status, JSON.stringify(gpu.events.filter((e) => e.type === 'notice' || e.type === 'error'))).toBe('completed');
    expect(cpu.provenance!.executionProvider).toMatch(/^cpu/i);
    expect(gpu.provenance!.executionProvider).toMatch(/webgpu/i);
    expect(gpu.events.filter((e) => e.type === 'notice' && /running on CPU/.test(e.message ?? ''))).toEqual([]);
    const answers = (r: Run) => r.events.filter((e) => e.type === 'answer');
    expect(answers(gpu).map((a) => [a.phase, a.letter, a.text])).toEqual(answers(cpu).map((a) => [a.phase, a.letter, a.text]));
    expect(answers(cpu).length).toBeGreaterThan(0);
    answers(cpu).forEach((a, i) => {
      for (const [letter, p] of Object.entries(a.distribution!)) expect(Math.abs(answers(gpu)[i]!.distribution![letter]! - p)).toBeLessThan(1e-3);
    });
    // The same retrieval queries: the trace itself, not only the answer, is the same.
    const queries = (r: Run) => r.events.filter((e) => e.type === 'query').map((e) => (e as { query?: string }).query);
    expect(queries(gpu)).toEqual(queries(cpu));
  });
});
