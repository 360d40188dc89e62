import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PYTHON, ROOT } from './testing/hf-fixture.js';

// The streamed quantizer's tests are Python (models/convert/test_onnx_external.py: a graph with external data
// quantized one tensor at a time gives exactly the in-memory graphs, q4, q4f16 and fp16; a truncated data file is
// named); run here so `vitest` covers them.
const EXPECTED = ['test_streamed_variants_equal_the_in_memory_ones', 'test_a_truncated_data_file_is_named', 'test_reads_one_tensor_by_offset'];

describe('models/convert/onnx_external (Python unittest)', () => {
  it('passes every streaming test', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'models.convert.test_onnx_external'], {
      cwd: ROOT,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 110_000,
    });
    const log = `${r.stdout}${r.stderr}`;
    expect(r.status, log).toBe(0);
    for (const name of EXPECTED) expect(log, `${name} did not run`).toMatch(new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, 'm'));
  }, 120_000);
});
