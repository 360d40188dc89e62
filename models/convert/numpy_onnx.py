"""A minimal ONNX interpreter in numpy for the standard ops our exported graphs use (opset 13-17), so calibration can
run the fp32 decoder where neither onnxruntime's Python package nor onnx.reference (onnx ≥ 1.13) is installed. It
is exact float32 arithmetic but slow: small models only. An op it does not know is named."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _slice(x, starts, ends, axes=None, steps=None):
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        sl[int(a)] = slice(int(s), int(max(min(e, 2**62), -2**62)), int(st))
    return x[tuple(sl)]


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _reduce(fn):
    def op(x, axes=None, keepdims=1, **a):
        ax = a.get("axes_attr")
        axes = tuple(int(v) for v in (axes if axes is not None else ax)) if (axes is not None or ax is not None) else None
        return fn(x, axis=axes, keepdims=bool(keepdims))
    return op


ONNX_TYPES = {1: np.float32, 10: np.float16, 6: np.int32, 7: np.int64, 9: np.bool_, 11: np.float64}

OPS = {
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b,
    "Div": lambda a, b: (a // b if np.issubdtype(a.dtype, np.integer) else a / b),
    "Pow": lambda a, b: np.power(a, b).astype(a.dtype), "Sqrt": np.sqrt, "Neg": np.negative, "Cos": np.cos, "Sin": np.sin,
    "Floor": np.floor,
    "Sigmoid": lambda x: (1 / (1 + np.exp(-x))).astype(x.dtype), "Erf": None,
    "MatMul": np.matmul, "Equal": np.equal, "Less": np.less, "LessOrEqual": np.less_equal, "Greater": np.greater,
    "GreaterOrEqual": np.greater_equal, "And": np.logical_and, "Or": np.logical_or, "Xor": np.logical_xor, "Not": np.logical_not,
    "Mod": np.mod, "Where": np.where, "Shape": lambda x: np.array(x.shape, np.int64), "Identity": lambda x: x,
}


def _dynamic_quantize_linear(x: np.ndarray) -> list[np.ndarray]:
    """ONNX DynamicQuantizeLinear: uint8 over [min(x, 0), max(x, 0)], rounding half to even."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = np.float32((hi - lo) / 255)
    zp = np.uint8(np.clip(np.rint(-lo / scale), 0, 255))
    return [np.clip(np.rint(x / scale) + zp, 0, 255).astype(np.uint8), np.array(scale), np.array(zp)]


def _dequantize_linear(x: np.ndarray, scale: np.ndarray, zp: np.ndarray | None = None, axis: int = 1) -> np.ndarray:
    shape = [1] * x.ndim
    if scale.ndim == 1:
        shape[axis] = -1
    zero = 0 if zp is None else zp.astype(np.float32).reshape(shape)
    return ((x.astype(np.float32) - zero) * scale.reshape(shape)).astype(np.float32)


def _matmul_integer(a: np.ndarray, b: np.ndarray, a_zp: np.ndarray | None = None, b_zp: np.ndarray | None = None) -> np.ndarray:
    az = 0 if a_zp is None else a_zp.astype(np.int32)
    bz = 0 if b_zp is None else b_zp.astype(np.int32)
    return np.matmul(a.astype(np.int32) - az, b.astype(np.int32) - bz)


def run(model: onnx.ModelProto, feeds: dict[str, np.ndarray], outputs: list[str]) -> list[np.ndarray]:
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env.update(feeds)
    for node in model.graph.node:
        x = [env[i] if i else None for i in node.input]
        a = _attrs(node)
        op = node.op_type
        if op == "Constant":
            out = numpy_helper.to_array(a["value"])
        elif op in OPS and OPS[op] is not None:
            out = OPS[op](*x)
        elif op == "Cast":
            out = x[0].astype(ONNX_TYPES[a["to"]])
        elif op == "Gather":
            out = np.take(x[0], x[1], axis=a.get("axis", 0))
        elif op == "Unsqueeze":
            out = x[0]
            axes = sorted(int(v) % (x[0].ndim + len(x[1])) for v in (x[1] if len(x) > 1 else a["axes"]))
            for ax in axes:
                out = np.expand_dims(out, ax)
        elif op == "Squeeze":
            axes = x[1] if len(x) > 1 and x[1] is not None else a.get("axes")
            out = np.squeeze(x[0], axis=tuple(int(v) for v in axes) if axes is not None else None)
        elif op == "Concat":
            out = np.concatenate(x, axis=a["axis"])
        elif op == "Reshape":
            shape = [int(d) if d != 0 else x[0].shape[i] for i, d in enumerate(x[1])]
            out = x[0].reshape(shape)
        elif op == "Transpose":
            out = np.transpose(x[0], a.get("perm"))
        elif op == "Slice":
            out = _slice(x[0], x[1], x[2], *(x[3:] + [None] * (5 - len(x)))[:2])
        elif op == "Expand":
            out = x[0] * np.ones([int(d) for d in x[1]], x[0].dtype)
        elif op == "ConstantOfShape":
            v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            out = np.full([int(d) for d in x[0]], v.ravel()[0], v.dtype)
        elif op == "Range":
            out = np.arange(x[0], x[1], x[2]).astype(x[0].dtype)
        elif op == "ReduceMean" or op == "ReduceSum":
            fn = np.mean if op == "ReduceMean" else np.sum
            axes = x[1] if len(x) > 1 and x[1] is not None else a.get("axes")
            out = fn(x[0], axis=tuple(int(v) for v in axes) if axes is not None else None, keepdims=bool(a.get("keepdims", 1))).astype(x[0].dtype)
        elif op == "Softmax":
            out = _softmax(x[0], a.get("axis", -1))
        elif op == "CumSum":
            out = np.cumsum(x[0], axis=int(x[1]))
        elif op == "Split":
            n = len(node.output)
            out = np.split(x[0], np.cumsum(x[1])[:-1] if len(x) > 1 and x[1] is not None else n, axis=a.get("axis", 0))
        elif op == "DynamicQuantizeLinear":
            out = _dynamic_quantize_linear(x[0])
        elif op == "DequantizeLinear":
            out = _dequantize_linear(*x, axis=a.get("axis", 1))
        elif op == "MatMulInteger":
            out = _matmul_integer(*x)
        elif op == "Gemm":
            A = x[0].T if a.get("transA") else x[0]
            B = x[1].T if a.get("transB") else x[1]
            out = a.get("alpha", 1.0) * (A @ B) + (a.get("beta", 1.0) * x[2] if len(x) > 2 else 0)
        else:
            raise ValueError(f"calibration cannot run op {op} (node {node.name}); quantize without --calibrate")
        if isinstance(out, list):
            for o, v in zip(node.output, out):
                env[o] = v
        else:
            env[node.output[0]] = np.asarray(out)
    return [env[o] for o in outputs]
