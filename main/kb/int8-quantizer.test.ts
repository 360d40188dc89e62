import { describe, it } from 'vitest';
import { expectPythonTestsPass } from '../engine/testing/python-unittest.js';

// The encoder's int8 quantizer is tested in Python (models/convert/test_quantize_int8.py: 7-bit per-column weights; the
// two-pass graph's error against the exact int8 product a hundredfold below one pass's; a bad pass count named), run
// here so `vitest` covers it. Its accuracy through ONNX Runtime is xlmr-encoder.test.ts's int8 recall.
const EXPECTED = ['test_columns_are_symmetric_within_the_7_bit_range', 'test_two_passes_leave_almost_only_the_weights_rounding', 'test_a_pass_count_other_than_1_or_2_is_refused'];

describe('models/convert/quantize.py to_int8 (Python unittest)', () => {
  it('passes every int8 test', () => {
    expectPythonTestsPass('models.convert.test_quantize_int8', EXPECTED, 50_000);
  }, 60_000);
});
