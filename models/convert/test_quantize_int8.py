"""The encoder's int8 form (models/convert/quantize.py to_int8), run by main/kb/int8-quantizer.test.ts, or
`/usr/bin/python3 -m unittest -v models.convert.test_quantize_int8` from the repository root. The graphs run in the
numpy interpreter (models/convert/numpy_onnx.py), which follows the ONNX spec of each integer op."""
from __future__ import annotations

import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.convert.numpy_onnx import run
from models.convert.quantize import INT8_WEIGHT_LIMIT, quantize_columns, quantize_rows, to_int8

K, N, VOCAB = 96, 48, 40


def graph(w: np.ndarray, table: np.ndarray) -> onnx.ModelProto:
    """y = table[ids] @ w: one embedding Gather and one MatMul by a constant weight, as the encoder has."""
    nodes = [helper.make_node("Gather", ["table", "ids"], ["x"], name="embed", axis=0),
             helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, None])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, None, N])],
                          [numpy_helper.from_array(w, "w"), numpy_helper.from_array(table, "table")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])


class Int8Test(unittest.TestCase):
    def setUp(self) -> None:
        rng = np.random.default_rng(0)
        self.w = (rng.standard_normal((K, N)) * 0.05).astype(np.float32)
        self.w[:, 3] = 0  # an all-zero column keeps a usable scale
        self.table = rng.standard_normal((VOCAB, K)).astype(np.float32)
        self.table[7, 5] = 9.0  # an outlier feature, as trained encoders have
        self.ids = rng.integers(0, VOCAB, (2, 11)).astype(np.int64)

    def test_columns_are_symmetric_within_the_7_bit_range(self) -> None:
        q, s = quantize_columns(self.w)
        self.assertEqual(q.dtype, np.int8)
        self.assertLessEqual(int(np.abs(q).max()), INT8_WEIGHT_LIMIT)
        self.assertEqual(s[3], 1.0)
        err = np.abs(q * s - self.w)
        self.assertTrue(np.all(err <= s / 2 + 1e-7), "every weight within half a step of its column's scale")

    def test_two_passes_leave_almost_only_the_weights_rounding(self) -> None:
        # against the exact product of the int8 weights and int8 embedding rows, one pass errs by the activations'
        # rounding (1/255 of their range); two passes cut that a hundredfold
        q, s = quantize_columns(self.w)
        qt, st = quantize_rows(self.table)
        exact = run(graph((q * s).astype(np.float32), (qt * st).astype(np.float32)), {"ids": self.ids}, ["y"])[0]
        fp32 = run(graph(self.w, self.table), {"ids": self.ids}, ["y"])[0]
        errors = {}
        for passes in (1, 2):
            model = to_int8(graph(self.w, self.table), passes=passes)
            ops = [n.op_type for n in model.graph.node]
            self.assertEqual((ops.count("MatMulInteger"), ops.count("MatMul")), (1, 0))
            self.assertEqual([t.data_type for t in model.graph.initializer if t.name == "w_q8"], [TensorProto.INT8])
            y = run(model, {"ids": self.ids}, ["y"])[0]
            self.assertEqual(y.shape, fp32.shape)
            errors[passes] = float(np.abs(y - exact).max() / np.abs(exact).max())
            self.assertLess(float(np.abs(y - fp32).max() / np.abs(fp32).max()), 0.05)
        self.assertLess(errors[2], 1e-4, errors)
        self.assertLess(errors[2] * 100, errors[1], errors)

    def test_a_pass_count_other_than_1_or_2_is_refused(self) -> None:
        with self.assertRaisesRegex(ValueError, "passes must be 1 or 2, not 3"):
            to_int8(graph(self.w, self.table), passes=3)


if __name__ == "__main__":
    unittest.main()
