import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PYTHON, ROOT } from '../engine/testing/hf-fixture.js';

// The encoder's int8 quantizer is tested in Python (models/convert/test_quantize_int8.py: 7-bit per-column weights; the
// two-pass graph's error against the exact int8 product a hundredfold below one pass's; a bad pass count named), run
// here so `vitest` covers it. Its accuracy through ONNX Runtime is xlmr-encoder.test.ts's int8 recall.
const EXPECTED = ['test_columns_are_symmetric_within_the_7_bit_range', 'test_two_passes_leave_almost_only_the_weights_rounding', 'test_a_pass_count_other_than_1_or_2_is_refused'];

describe('models/convert/quantize.py to_int8 (Python unittest)', () => {
  it('passes every int8 test', () => {
    const r = spawnSync(PYTHON, ['-m', 'unittest', '-v', 'models.convert.test_quantize_int8'], {
      cwd: ROOT,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 50_000,
    });
    const log = `${r.stdout}${r.stderr}`;
    expect(r.status, log).toBe(0);
    for (const name of EXPECTED) expect(log, `${name} did not run`).toMatch(new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, 'm'));
  }, 60_000);
});
