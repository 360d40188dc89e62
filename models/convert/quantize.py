"""Our own ONNX weight transforms for the text encoder (numpy + onnx only; no onnxruntime.quantization):

- fp16: every large float initializer stored as float16 and cast back to float32 where it is used (half the file;
  the arithmetic stays fp32, which ONNX Runtime's CPU kernels run fastest anyway);
- int8: every MatMul by a constant weight becomes com.microsoft MatMulNBits with 8-bit weights, one symmetric scale
  per block of 32 weights along the input dimension, and the embedding tables become int8 rows with one scale each.
  `accuracy_level` 0 keeps the arithmetic fp32 (weights dequantised in the kernel); 4 also quantizes the activations
  per block and runs ONNX Runtime's int8 CPU kernels.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MIN_ELEMENTS = 1024  # smaller initializers (LayerNorm, biases) stay fp32: negligible size, sensitive values


class _Rewriter:
    """Collects initializer replacements and rebuilds the graph's lists once (a 2 GB graph cannot be copied per tensor)."""

    def __init__(self, model: onnx.ModelProto):
        self.model = model
        self.inits = {t.name: t for t in model.graph.initializer}
        self.dropped: set[str] = set()
        self.added: list[onnx.TensorProto] = []

    def weight(self, name: str, ndim: int = 2) -> np.ndarray | None:
        t = self.inits.get(name)
        if t is None or name in self.dropped or t.data_type != TensorProto.FLOAT or len(t.dims) != ndim or int(np.prod(t.dims)) < MIN_ELEMENTS:
            return None
        return numpy_helper.to_array(t)

    def replace(self, name: str, *new: tuple[np.ndarray, str]) -> None:
        self.dropped.add(name)
        self.added += [numpy_helper.from_array(a, n) for a, n in new]

    def finish(self, nodes: list[onnx.NodeProto]) -> onnx.ModelProto:
        g = self.model.graph
        keep = [t for t in g.initializer if t.name not in self.dropped]
        del g.initializer[:]
        g.initializer.extend(keep + self.added)
        del g.node[:]
        g.node.extend(nodes)
        return self.model


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    rw = _Rewriter(model)
    casts = []
    for name in list(rw.inits):
        t = rw.inits[name]
        if t.data_type != TensorProto.FLOAT or int(np.prod(t.dims)) < MIN_ELEMENTS:
            continue
        arr = numpy_helper.to_array(t)
        if np.abs(arr).max() > 65504:
            raise ValueError(f"initializer {name} exceeds the fp16 range")
        rw.replace(name, (arr.astype(np.float16), name + "_fp16"))
        casts.append(helper.make_node("Cast", [name + "_fp16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
    return rw.finish(casts + list(model.graph.node))


def quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per row of a [V, H] table: w ~= q * scale[V, 1]."""
    scale = np.abs(w).max(axis=1, keepdims=True) / 127.0
    scale[scale == 0] = 1.0
    return np.clip(np.rint(w / scale), -127, 127).astype(np.int8), scale.astype(np.float32)


def quantize_blocks(w: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray]:
    """MatMulNBits' 8-bit layout for a [K, N] weight: B = uint8 [N, ceil(K/block), block] holding W^T, zero point 128,
    one symmetric scale per block along K: w ~= (q - 128) * scale."""
    k, n = w.shape
    pad = -k % block
    wt = np.concatenate([w.T, np.zeros((n, pad), w.dtype)], axis=1).reshape(n, -1, block)
    scale = np.abs(wt).max(axis=2) / 127.0
    scale[scale == 0] = 1.0
    q = (np.clip(np.rint(wt / scale[:, :, None]), -127, 127) + 128).astype(np.uint8)
    return q, scale.astype(np.float32)


def to_int8(model: onnx.ModelProto, *, block: int = 32, accuracy_level: int = 0) -> onnx.ModelProto:
    rw = _Rewriter(model)
    nodes = []
    for node in model.graph.node:
        if node.op_type == "MatMul" and (w := rw.weight(node.input[1])) is not None:
            k, n = w.shape
            q, s = quantize_blocks(w, block)
            name = node.input[1]
            rw.replace(name, (q, name + "_q8"), (s.reshape(-1), name + "_scales"))
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], name + "_q8", name + "_scales"], [node.output[0]],
                                          name=(node.name or node.output[0]) + "_q8", domain="com.microsoft",
                                          K=k, N=n, bits=8, block_size=block, accuracy_level=accuracy_level))
        elif node.op_type == "Gather" and (w := rw.weight(node.input[0])) is not None and not any(a.name == "axis" and a.i != 0 for a in node.attribute):
            q, s = quantize_rows(w)
            name, n, ids = node.input[0], node.name or node.output[0], node.input[1]
            rw.replace(name, (q, name + "_q"), (s, name + "_scale"))
            nodes += [
                helper.make_node("Gather", [name + "_q", ids], [n + "_q"], name=n + "_gq", axis=0),
                helper.make_node("Gather", [name + "_scale", ids], [n + "_s"], name=n + "_gs", axis=0),
                helper.make_node("Cast", [n + "_q"], [n + "_f"], to=TensorProto.FLOAT, name=n + "_cast"),
                helper.make_node("Mul", [n + "_f", n + "_s"], [node.output[0]], name=n + "_rescale"),
            ]
        else:
            nodes.append(node)
    out = rw.finish(nodes)
    if not any(o.domain == "com.microsoft" for o in out.opset_import):
        out.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return out
