import { describe, it } from 'vitest';
import { expectPythonTestsPass } from './testing/python-unittest.js';

// The streamed quantizer's tests are Python (models/convert/test_onnx_external.py: a graph with external data
// quantized one tensor at a time gives exactly the in-memory graphs, q4, q4f16 and fp16; a truncated data file is
// named); run here so `vitest` covers them.
const EXPECTED = ['test_streamed_variants_equal_the_in_memory_ones', 'test_a_truncated_data_file_is_named', 'test_reads_one_tensor_by_offset'];

describe('models/convert/onnx_external (Python unittest)', () => {
  it('passes every streaming test', () => {
    expectPythonTestsPass('models.convert.test_onnx_external', EXPECTED, 110_000);
  }, 120_000);
});
