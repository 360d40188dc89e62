import { describe, it } from 'vitest';
import { expectPythonTestsPass } from './testing/python-unittest.js';

// The exporters' precise Sin/Cos pass is Python (models/lib/test_precise_trig.py: float32 Sin/Cos become arithmetic
// within 1e-6 of float64 over rotary angles up to 40k tokens; other types are left alone); run here so `vitest` covers it.
// Its effect on WebGPU's logits is tested in webgpu.test.ts.
const EXPECTED = ['test_float32_sin_and_cos_become_arithmetic_within_1e6_of_float64_over_rotary_angles', 'test_other_types_and_ops_are_left_alone'];

describe('models/lib/precise_trig (Python unittest)', () => {
  it('passes every test', () => {
    expectPythonTestsPass('models.lib.test_precise_trig', EXPECTED, 50_000);
  }, 60_000);
});
