"""Element types of an ONNX graph's values, for passes that rewrite graphs (fp16, precise trig)."""
from __future__ import annotations

import onnx
from onnx import TensorProto, helper

F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16


def elem_types(model: onnx.ModelProto) -> dict[str, int]:
    """Element type of every value, from ONNX shape inference on a skeleton of the graph (initializers as typed inputs,
    no weight bytes), so a multi-GB graph is not copied."""
    g = model.graph
    inputs = list(g.input) + [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in g.initializer
                              if t.name not in {i.name for i in g.input}]
    sk = helper.make_model(helper.make_graph(list(g.node), g.name or "g", inputs, list(g.output)),
                           opset_imports=list(model.opset_import), ir_version=model.ir_version)
    sk = onnx.shape_inference.infer_shapes(sk, strict_mode=False)
    types = {}
    for v in list(sk.graph.input) + list(sk.graph.value_info) + list(sk.graph.output):
        if v.type.HasField("tensor_type") and v.type.tensor_type.elem_type:
            types[v.name] = v.type.tensor_type.elem_type
    for node in g.node:  # outputs inference could not type (contrib ops): the type of the first float input
        for o in node.output:
            if o and o not in types:
                ft = [types[i] for i in node.input if types.get(i) in (F32, F16)]
                if ft:
                    types[o] = ft[0]
    return types
