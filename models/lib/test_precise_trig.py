"""Unit tests of the precise Sin/Cos pass (run by main/engine/precise-trig.test.ts with Debian's Python)."""
from __future__ import annotations

import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper

from models.convert.numpy_onnx import run
from models.lib.precise_trig import make_trig_precise


def _single(op: str, elem: int) -> onnx.ModelProto:
    graph = helper.make_graph([helper.make_node(op, ["x"], ["y"])], op.lower(),
                              [helper.make_tensor_value_info("x", elem, [None])], [helper.make_tensor_value_info("y", elem, [None])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class PreciseTrigTest(unittest.TestCase):
    def test_float32_sin_and_cos_become_arithmetic_within_1e6_of_float64_over_rotary_angles(self):
        x = np.linspace(-100.0, 40000.0, 100_001).astype(np.float32)  # position × inverse frequency, up to 40k tokens
        for op, exact in (("Sin", np.sin), ("Cos", np.cos)):
            model = _single(op, TensorProto.FLOAT)
            self.assertEqual(make_trig_precise(model), 1)
            self.assertEqual({n.op_type for n in model.graph.node}, {"Constant", "Mul", "Add", "Sub", "Floor"})
            self.assertEqual(len(model.graph.initializer), 0)  # constants inline: external-data graphs keep every initializer there
            onnx.checker.check_model(model)
            (y,) = run(model, {"x": x}, ["y"])
            self.assertEqual(y.dtype, np.float32)
            self.assertLess(float(np.abs(y.astype(np.float64) - exact(x.astype(np.float64))).max()), 1e-6, op)

    def test_other_types_and_ops_are_left_alone(self):
        model = _single("Sin", TensorProto.DOUBLE)
        self.assertEqual(make_trig_precise(model), 0)
        self.assertEqual([n.op_type for n in model.graph.node], ["Sin"])


if __name__ == "__main__":
    unittest.main()
