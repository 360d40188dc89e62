"""Whole-graph float16: activations, weights, inputs and outputs in fp16 (what `fp16` and `q4f16` packages hold), with
the few computations that fp16 cannot carry kept in fp32 islands.

Two kinds of value stay fp32, because fp16 would change the answer, not just round it:
- values computed from integers (a Cast from int/bool to float: positions for the rotary angles, attention masks):
  fp16 has 11 significant bits, so position 3000 would be off by 2 and every rotary angle after it wrong;
- the square in RMSNorm (`Pow`): Qwen2's residual stream carries values in the thousands, whose squares overflow
  fp16 (max 65504).
An island is computed in fp32 until it meets an fp16 activation, where it is clipped to fp16's range and cast. Large
constants (weights) are stored fp16; small constants are kept in whichever precision their consumer computes.
The graph's float inputs and outputs become fp16 (the engine reads the types from the session).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.convert.onnx_external import TensorStore
from models.lib.onnx_types import elem_types
from models.convert.quantize import MIN_ELEMENTS

F32, F16 = TensorProto.FLOAT, TensorProto.FLOAT16
FP16_MAX = 65504.0
FP32_OPS = {"Pow"}


def _constants_to_initializers(model: onnx.ModelProto) -> None:
    g = model.graph
    keep = []
    for node in g.node:
        if node.op_type == "Constant" and len(node.attribute) == 1 and node.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(node.attribute[0].t)
            t.name = node.output[0]
            g.initializer.append(t)
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)


def to_fp16_graph(model: onnx.ModelProto, store: TensorStore | None = None) -> onnx.ModelProto:
    """`store`: where weights are read from and written to (onnx_external.py; default in memory)."""
    store = store or TensorStore()
    g = model.graph
    for node in g.node:
        if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for a in node.attribute):
            raise ValueError(f"node {node.name or node.output[0]} ({node.op_type}) holds a subgraph; fp16 conversion handles flat graphs only")
    if any(t.data_type == F16 for t in g.initializer) or any(i.type.tensor_type.elem_type == F16 for i in g.input):
        raise ValueError("the graph is already fp16: convert from the fp32 graph")
    _constants_to_initializers(model)
    types = elem_types(model)
    inits = {t.name: t for t in g.initializer}
    kind: dict[str, str] = {}  # float values: 'h' fp16 activation, 'f' fp32 island, 'c' constant
    for t in g.initializer:
        if t.data_type == F32:
            kind[t.name] = "c"
    for i in g.input:
        if i.name not in inits and i.type.tensor_type.elem_type == F32:
            kind[i.name] = "h"
            i.type.tensor_type.elem_type = F16

    added: list[onnx.TensorProto] = []
    fp32_used: set[str] = set()
    memo: dict[tuple[str, str], str] = {}
    nodes: list[onnx.NodeProto] = []

    def large(c: str) -> bool:
        return int(np.prod(inits[c].dims)) >= MIN_ELEMENTS

    def as_half(x: str) -> str:
        if kind[x] == "h":
            return x
        if (x, "h") in memo:
            return memo[(x, "h")]
        if kind[x] == "c":
            arr = store.read(inits[x])
            half, top = _half(arr)
            if large(x) and top > FP16_MAX:
                raise ValueError(f"weight {x} exceeds the fp16 range (max |w| {top:.4g})")
            del arr
            t = store.make(half, x + "__fp16")
            added.append(t)
            memo[(x, "h")] = t.name
        else:  # an fp32 island meets fp16 activations: clip (a -3.4e38 mask stays a mask) then cast
            lo, hi = x + "__lo", x + "__hi"
            added.extend([numpy_helper.from_array(np.array(-FP16_MAX, np.float32), lo), numpy_helper.from_array(np.array(FP16_MAX, np.float32), hi)])
            nodes.append(helper.make_node("Clip", [x, lo, hi], [x + "__clip"], name=x + "__clip"))
            nodes.append(helper.make_node("Cast", [x + "__clip"], [x + "__fp16"], name=x + "__tofp16", to=F16))
            memo[(x, "h")] = x + "__fp16"
        return memo[(x, "h")]

    def as_float(x: str) -> str:
        if kind[x] == "c":
            fp32_used.add(x)
            return x
        if kind[x] == "f":
            return x
        if (x, "f") not in memo:
            nodes.append(helper.make_node("Cast", [x], [x + "__fp32"], name=x + "__tofp32", to=F32))
            memo[(x, "f")] = x + "__fp32"
        return memo[(x, "f")]

    def mark(node: onnx.NodeProto, k: str) -> None:
        for o in node.output:
            if o and types.get(o) == F32:
                kind[o] = k

    for node in g.node:
        floats = [i for i, x in enumerate(node.input) if x and x in kind]
        if node.op_type == "Cast" and _to(node) == F32:
            src = node.input[0]
            if src in kind and kind[src] == "h":
                _set_to(node, F16)
                mark(node, "h")
            else:  # from an integer (positions, masks), from an island or from a constant: fp32
                if src in kind:
                    node.input[0] = as_float(src)
                mark(node, "f")
        elif node.op_type in FP32_OPS:
            for i in floats:
                node.input[i] = as_float(node.input[i])
            mark(node, "f")
        else:
            ks = {kind[node.input[i]] for i in floats}
            half = "h" in ks or ("f" not in ks and any(kind[node.input[i]] == "c" and large(node.input[i]) for i in floats))
            for i in floats:
                node.input[i] = as_half(node.input[i]) if half else as_float(node.input[i])
            mark(node, "h" if half else "f")
        nodes.append(node)

    for o in g.output:
        if o.type.tensor_type.elem_type != F32:
            continue
        if kind.get(o.name) == "f":
            inner = o.name + "__out32"
            for node in nodes:
                node.output[:] = [inner if x == o.name else x for x in node.output]
                node.input[:] = [inner if x == o.name else x for x in node.input]
            nodes.append(helper.make_node("Cast", [inner], [o.name], name=o.name + "__tofp16", to=F16))
        o.type.tensor_type.elem_type = F16

    keep = [t for t in g.initializer if not (kind.get(t.name) == "c" and t.name not in fp32_used)]
    del g.initializer[:]
    g.initializer.extend(keep + added)
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]  # its float types are stale; ONNX Runtime infers them again
    return model


def _half(arr: np.ndarray, chunk: int = 1 << 22) -> tuple[np.ndarray, float]:
    """fp16 copy clipped to fp16's range, and the largest magnitude, `chunk` values at a time (a 7B lm_head is 2.2 GB in
    fp32: a full-size temporary for |w| or the clip would double that)."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    out = np.empty(flat.shape, np.float16)
    top = 0.0
    for i in range(0, flat.size, chunk):
        part = np.asarray(flat[i:i + chunk], np.float32)
        top = max(top, float(np.abs(part).max(initial=0.0)))
        out[i:i + chunk] = np.clip(part, -FP16_MAX, FP16_MAX)
    return out.reshape(arr.shape), top


def _to(node: onnx.NodeProto) -> int | None:
    return next((a.i for a in node.attribute if a.name == "to"), None)


def _set_to(node: onnx.NodeProto, t: int) -> None:
    for a in node.attribute:
        if a.name == "to":
            a.i = t
