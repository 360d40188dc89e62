import { describe, it } from 'vitest';
import { expectPythonTestsPass } from './testing/python-unittest.js';

// The converter's own tests are Python (models/convert/qwen25vl/test_converter.py: bad input named and refused with
// nothing left behind, flat and nested configs, shards, bf16/fp16/fp32, tied lm_head, external data); run here so
// `vitest` covers them.
const EXPECTED = [
  'test_folder_without_safetensors',
  'test_truncated_shard',
  'test_missing_shard',
  'test_config_of_another_architecture',
  'test_tensor_of_the_wrong_shape',
  'test_missing_tensor',
  'test_existing_output_is_not_overwritten_without_force',
  'test_cli_exit_status_and_message',
  'test_nested_text_config_shards_and_new_tensor_names_give_the_same_graphs',
  'test_fp16_checkpoint',
  'test_bf16_is_widened_exactly_and_linear_weights_are_transposed',
  'test_tied_lm_head_comes_from_the_embedding',
  'test_large_graphs_go_to_external_data',
  'test_package_layout',
];

describe('models/convert/qwen25vl (Python unittest)', () => {
  it('passes every converter test', () => {
    expectPythonTestsPass('models.convert.qwen25vl.test_converter', EXPECTED, 170_000);
  }, 180_000);
});
