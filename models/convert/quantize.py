"""Our own ONNX weight transforms (numpy + onnx only; no onnxruntime.quantization), for the text encoder and for the
vision-language model's graphs (`models/convert/quantize_package.py` drives them per package):

- fp16: every large float initializer stored as float16 and cast back to float32 where it is used (half the file;
  the arithmetic stays fp32, which ONNX Runtime's CPU kernels run fastest anyway);
- int8: every MatMul by a constant weight becomes ONNX's integer MatMul (MatMulInteger) on int8 weights with one
  symmetric scale per output column, the activations quantized to uint8 per tensor at run time (DynamicQuantizeLinear),
  so ONNX Runtime's int8 GEMM kernels run; with two passes (the default) the activations' rounding residual is quantized
  and multiplied too (`to_int8`), and the embedding tables become int8 rows with one scale each.
- q4: every MatMul (and Gemm) by a constant weight becomes MatMulNBits with 4-bit weights, symmetric, one scale per block
  of 32 along the input dimension (in the graph's float type, so the same pass serves q4 and q4f16); the embedding
  table becomes GatherBlockQuantized (4-bit rows) or is stored fp16 (`embed`). Named weights can be the same ops at 8
  bits instead (mixed precision: which ones is models/convert/mixed_precision.py's rule).
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.convert.onnx_external import TensorStore

MIN_ELEMENTS = 1024  # smaller initializers (LayerNorm, biases) stay fp32: negligible size, sensitive values


class _Rewriter:
    """Collects initializer replacements and rebuilds the graph's lists once (a 2 GB graph cannot be copied per tensor)."""

    def __init__(self, model: onnx.ModelProto, store: TensorStore | None = None):
        self.model = model
        self.store = store or TensorStore()
        self.inits = {t.name: t for t in model.graph.initializer}
        self.dropped: set[str] = set()
        self.added: list[onnx.TensorProto] = []

    def weight(self, name: str, ndim: int = 2, types: tuple[int, ...] = (TensorProto.FLOAT,)) -> np.ndarray | None:
        t = self.inits.get(name)
        if t is None or name in self.dropped or t.data_type not in types or len(t.dims) != ndim or int(np.prod(t.dims)) < MIN_ELEMENTS:
            return None
        return self.store.read(t)

    def add(self, arr: np.ndarray, name: str) -> None:
        self.added.append(self.store.make(arr, name))

    def replace(self, name: str, *new: tuple[np.ndarray, str]) -> None:
        self.dropped.add(name)
        for a, n in new:
            self.add(a, n)

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


EIGHT_BIT_ACCURACY_LEVEL = 4  # MatMulNBits with 8-bit weights: int8 activations per block, ONNX Runtime's int8 CPU kernels
INT8_WEIGHT_LIMIT = 63  # 7-bit weights: a uint8 x int8 pair sum stays within int16, which AVX2's VPMADDUBSW saturates beyond
INT8_PASSES = (1, 2)


def quantize_columns(w: np.ndarray, limit: int = INT8_WEIGHT_LIMIT) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output column of a [K, N] weight, values within +-limit: w ~= q * scale[N]."""
    scale = np.abs(w).max(axis=0) / limit
    scale[scale == 0] = 1.0
    return np.clip(np.rint(w / scale), -limit, limit).astype(np.int8), scale.astype(np.float32)


def _int8_matmul(x: str, out: str, q: str, w_scale: str, col_sum: str, passes: int, b: str) -> list[onnx.NodeProto]:
    """Nodes for out = x @ W with W = q * w_scale (int8 per column). x is quantized per tensor at run time:
    x ~= (qx - zx) * sx. With 2 passes the residual r = x - that is quantized the same way and both halves go through one
    MatMulInteger (stacked along the batch axis: one int8 weight, one GEMM), so the activations' rounding error drops
    from about 1/255 of their range to about 1/255^2; single-pass int8 loses retrieval order to it. MatMulInteger takes
    one zero point per input, so it runs with none and sum_k (qa - za) q = sum_k qa q - za * col_sum(q) is applied after."""
    def n(op: str, ins: list[str], outs: list[str], **kw) -> onnx.NodeProto:
        return helper.make_node(op, ins, outs, name=outs[0], **kw)

    t = lambda s: f"{b}_{s}"  # noqa: E731
    nodes = [n("DynamicQuantizeLinear", [x], [t("qx"), t("sx"), t("zx")])]
    if passes == 1:
        return nodes + [n("MatMulInteger", [t("qx"), q, t("zx")], [t("acc")]), n("Cast", [t("acc")], [t("accf")], to=TensorProto.FLOAT),
                        n("Mul", [t("accf"), t("sx")], [t("part")]), n("Mul", [t("part"), w_scale], [out])]
    nodes += [n("DequantizeLinear", [t("qx"), t("sx"), t("zx")], [t("xq")]),
              n("Sub", [x, t("xq")], [t("r")]),
              n("DynamicQuantizeLinear", [t("r")], [t("qr"), t("sr"), t("zr")]),
              n("Concat", [t("qx"), t("qr")], [t("qa")], axis=0),
              n("MatMulInteger", [t("qa"), q], [t("acc")]),
              n("Cast", [t("acc")], [t("accf")], to=TensorProto.FLOAT),
              n("Split", [t("accf")], [t("acc0"), t("acc1")], axis=0)]
    for acc, s, z in ((t("acc0"), "sx", "zx"), (t("acc1"), "sr", "zr")):
        nodes += [n("Cast", [t(z)], [t(z + "f")], to=TensorProto.FLOAT),
                  n("Mul", [t(z + "f"), col_sum], [t(z + "cs")]),
                  n("Sub", [acc, t(z + "cs")], [t(z + "dot")]),
                  n("Mul", [t(z + "dot"), t(s)], [t(z + "part")])]
    return nodes + [n("Add", [t("zxpart"), t("zrpart")], [t("sum")]), n("Mul", [t("sum"), w_scale], [out])]


def to_int8(model: onnx.ModelProto, *, passes: int = 2) -> onnx.ModelProto:
    """int8 weights (per output column, `quantize_columns`) and activations (per tensor, at run time) for every MatMul by a
    constant weight, in `passes` 1 or 2 (`_int8_matmul`); embedding tables read by Gather become int8 rows. Standard ONNX
    ops only (opset 13+: DynamicQuantizeLinear, MatMulInteger, DequantizeLinear, Split)."""
    if passes not in INT8_PASSES:
        raise ValueError(f"int8 passes must be 1 or 2, not {passes!r}")
    rw = _Rewriter(model)
    nodes = []
    for node in model.graph.node:
        if node.op_type == "MatMul" and (w := rw.weight(node.input[1])) is not None:
            q, s = quantize_columns(w)
            name = node.input[1]
            extra = [(q.astype(np.float32).sum(axis=0), name + "_colsum")] if passes == 2 else []
            rw.replace(name, (q, name + "_q8"), (s, name + "_scale"), *extra)
            nodes += _int8_matmul(node.input[0], node.output[0], name + "_q8", name + "_scale", name + "_colsum", passes, node.name or node.output[0])
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
    return rw.finish(nodes)


def _with_ms_domain(model: onnx.ModelProto) -> onnx.ModelProto:
    """The com.microsoft ops written by to_q4 (MatMulNBits, GatherBlockQuantized) need their domain imported."""
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return model


FLOATS = (TensorProto.FLOAT, TensorProto.FLOAT16)
CHUNK_COLUMNS = 8192  # a weight is quantized this many output columns at a time (a 7B lm_head in one go costs GBs)


SCALE_SEARCH = np.linspace(0.80, 1.10, 13)  # multiples of the largest-magnitude scale tried per block


def block_levels(w: np.ndarray, block: int, bits: int = 4, scale_dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric block quantization of a [K, N] weight along K: signed levels int8 [N, ceil(K/block), block] in
    [-2^(bits-1), 2^(bits-1) - 1] (padding rows hold 0) and scales [N, ceil(K/block)], w ~= levels * scale. The value of
    largest magnitude in a block maps near the most negative level (scale = that value / -2^(bits-1)), times the factor
    of SCALE_SEARCH that gives the block the least squared error: a slightly smaller scale often represents the other
    weights better at the cost of clipping the largest. Scales are rounded to `scale_dtype` before the weights are
    divided by them, so the stored pair is consistent."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    k, n = w.shape
    pad = -k % block
    wt = np.asarray(w, np.float32).T
    if pad:
        wt = np.concatenate([wt, np.zeros((n, pad), np.float32)], axis=1)
    wt = wt.reshape(n, -1, block)
    at = np.abs(wt).argmax(axis=2)[:, :, None]
    base = np.take_along_axis(wt, at, axis=2)[:, :, 0] / lo
    best_err = np.full(base.shape, np.inf, np.float32)
    s = np.zeros(base.shape, scale_dtype)
    for f in SCALE_SEARCH:
        sf = (base * f).astype(scale_dtype).astype(np.float32)
        inv = np.divide(1.0, sf, out=np.zeros_like(sf), where=sf != 0)
        v = np.clip(np.rint(wt * inv[:, :, None]), lo, hi)
        err = ((v * sf[:, :, None] - wt) ** 2).sum(axis=2)
        better = err < best_err
        best_err[better] = err[better]
        s[better] = sf[better].astype(scale_dtype)
    sf = s.astype(np.float32)
    inv = np.divide(1.0, sf, out=np.zeros_like(sf), where=sf != 0)
    return np.clip(np.rint(wt * inv[:, :, None]), lo, hi).astype(np.int8), s


def pack_levels(levels: np.ndarray, bits: int) -> np.ndarray:
    """MatMulNBits' B from signed levels [N, blocks, block]: uint8 with the default zero point 2^(bits-1); at 4 bits two
    values a byte along K, the first in the low nibble."""
    levels = levels.astype(np.int8, copy=False)
    if bits == 8:
        return levels.view(np.uint8) ^ np.uint8(0x80)  # + 128, modulo 256
    if bits == 4:
        v = (levels + np.int8(8)).view(np.uint8)
        return v[:, :, 0::2] | (v[:, :, 1::2] << 4)
    raise ValueError(f"MatMulNBits bits must be 4 or 8, not {bits}")


def quantize_blocks_4bit(w: np.ndarray, block: int, scale_dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """MatMulNBits' 4-bit layout for a [K, N] weight: B = uint8 [N, ceil(K/block), block/2] and scales [N, ceil(K/block)]
    (block_levels, pack_levels; zero point 8, the op's default, so no zero_points input)."""
    return quantize_blocks_nbit(w, block, 4, scale_dtype)


def quantize_blocks_nbit(w: np.ndarray, block: int, bits: int, scale_dtype: type = np.float32) -> tuple[np.ndarray, np.ndarray]:
    """MatMulNBits' layout at 4 or 8 bits (8: B = uint8 [N, ceil(K/block), block], zero point 128), packed a chunk of
    columns at a time (the levels of a whole 7B lm_head would be another 0.5 GB)."""
    k, n = w.shape
    blocks = -(-k // block)
    q = np.empty((n, blocks, block * bits // 8), np.uint8)
    scales = np.empty((n, blocks), scale_dtype)
    for c0 in range(0, n, CHUNK_COLUMNS):
        levels, s = block_levels(w[:, c0:c0 + CHUNK_COLUMNS], block, bits, scale_dtype)
        q[c0:c0 + s.shape[0]] = pack_levels(levels, bits)
        scales[c0:c0 + s.shape[0]] = s
    return q, scales


def dequantize_blocks_4bit(q: np.ndarray, scales: np.ndarray, k: int) -> np.ndarray:
    """The [K, N] weight MatMulNBits computes with (for tests and error reports)."""
    return dequantize_blocks(q, scales, k, 4)


def dequantize_blocks(q: np.ndarray, scales: np.ndarray, k: int, bits: int) -> np.ndarray:
    """The [K, N] weight MatMulNBits computes with from B at 4 or 8 bits."""
    if bits == 8:
        v = q.astype(np.float32)
    else:
        v = np.empty(q.shape[:2] + (q.shape[2] * 2,), np.float32)
        v[:, :, 0::2] = q & 0x0F
        v[:, :, 1::2] = q >> 4
    w = (v - (1 << (bits - 1))) * scales.astype(np.float32)[:, :, None]
    return w.reshape(q.shape[0], -1)[:, :k].T


def _consumers(model: onnx.ModelProto) -> dict[str, int]:
    count: dict[str, int] = {}
    for node in model.graph.node:
        for i in node.input:
            count[i] = count.get(i, 0) + 1
    for o in model.graph.output:
        count[o.name] = count.get(o.name, 0) + 1
    return count


def _attr(node: onnx.NodeProto, name: str, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def to_q4(model: onnx.ModelProto, *, block: int = 32, accuracy_level: int = 0, embed: str = "gbq",
          hessians: dict[str, np.ndarray] | None = None, bits: dict[str, int] | None = None,
          store: TensorStore | None = None) -> onnx.ModelProto:
    """4-bit weight-only quantization of every MatMul/Gemm by a constant 2-D weight (float32 or float16; scales take the
    weight's type), and of embedding tables read by Gather: `embed` "gbq" = GatherBlockQuantized with 4-bit rows in
    blocks along the hidden axis, "fp16" = the table stored fp16 (the gathered rows cast back when the graph is fp32).
    A MatMul weight with an input second moment in `hessians` (keyed by the fp32 weight's name) is rounded with GPTQ
    (models/convert/calibrate.py); the others plainly. `bits`: exceptions to 4 bits, keyed by the fp32 weight's name
    (a MatMul/Gemm weight or an embedding table): 8 = the same ops at 8 bits (mixed precision, quantize_package.py),
    0 = left as it is (for sensitivity studies). `store`: where weights are read from and written to (onnx_external.py;
    default in memory)."""
    if block < 16 or block & (block - 1):
        raise ValueError(f"block size {block} must be a power of 2, at least 16 (MatMulNBits)")
    if embed not in ("gbq", "fp16"):
        raise ValueError(f'embed must be "gbq" or "fp16", not "{embed}"')
    bits = bits or {}
    if bad := {n: b for n, b in bits.items() if b not in (0, 4, 8)}:
        raise ValueError(f"bits must be 0 (kept), 4 or 8, not {bad}")
    rw = _Rewriter(model, store)
    uses = _consumers(model)
    done: dict[str, tuple[str, str, np.dtype]] = {}

    def width(name: str) -> int:
        return bits.get(name.removesuffix("__fp16"), 4)

    def quantized(name: str, w: np.ndarray) -> tuple[str, str]:
        if name not in done:
            sdt = np.float16 if w.dtype == np.float16 else np.float32
            nb = width(name)
            h = (hessians or {}).get(name.removesuffix("__fp16"))
            if h is not None and h.shape == (w.shape[0], w.shape[0]):
                from models.convert.calibrate import gptq_blocks
                q, s = gptq_blocks(w, h, block, sdt, nb)
            else:
                q, s = quantize_blocks_nbit(w, block, nb, sdt)
            rw.add(q, name + f"_q{nb}")
            rw.add(s.reshape(-1), name + "_scales")
            done[name] = (name + f"_q{nb}", name + "_scales", sdt)
        return done[name][:2]

    def level(name: str) -> int:
        # 8-bit weights run ONNX Runtime's int8 kernels (level 4): at level 0, 1.30's CPU path dequantizes an 8-bit
        # weight on every call (a real-width decode step took 14 s instead of 54 ms).
        return EIGHT_BIT_ACCURACY_LEVEL if width(name) == 8 else accuracy_level

    def release(name: str) -> None:
        uses[name] -= 1
        if uses[name] == 0:
            rw.dropped.add(name)

    nodes = []
    for node in model.graph.node:
        base = node.name or node.output[0]
        if node.op_type in ("MatMul", "Gemm", "Gather") and any(width(i) == 0 for i in node.input):
            nodes.append(node)
        elif node.op_type == "MatMul" and (w := rw.weight(node.input[1], types=FLOATS)) is not None:
            k, n = w.shape
            qn, sn = quantized(node.input[1], w)
            release(node.input[1])
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], qn, sn], [node.output[0]], name=base + "_q4", domain="com.microsoft",
                                          K=k, N=n, bits=width(node.input[1]), block_size=block, accuracy_level=level(node.input[1])))
        elif (node.op_type == "Gemm" and _attr(node, "alpha", 1.0) == 1.0 and _attr(node, "beta", 1.0) == 1.0 and not _attr(node, "transA", 0)
              and (w := rw.weight(node.input[1], types=FLOATS)) is not None):
            wk = w.T if _attr(node, "transB", 0) else w  # [K, N]
            k, n = wk.shape
            qn, sn = quantized(node.input[1], wk)
            release(node.input[1])
            out = node.output[0] if len(node.input) < 3 or not node.input[2] else base + "_nobias"
            nodes.append(helper.make_node("MatMulNBits", [node.input[0], qn, sn], [out], name=base + "_q4", domain="com.microsoft",
                                          K=k, N=n, bits=width(node.input[1]), block_size=block, accuracy_level=level(node.input[1])))
            if out != node.output[0]:
                nodes.append(helper.make_node("Add", [out, node.input[2]], [node.output[0]], name=base + "_bias"))
        elif (node.op_type == "Gather" and _attr(node, "axis", 0) == 0
              and (w := rw.weight(node.input[0], types=FLOATS)) is not None):
            nodes += _embedding(rw, node, w, block, embed, release, width(node.input[0]))
        else:
            nodes.append(node)
    return _with_ms_domain(rw.finish(nodes))


def _embedding(rw: _Rewriter, node: onnx.NodeProto, w: np.ndarray, block: int, embed: str, release, nb: int = 4) -> list[onnx.NodeProto]:
    name, ids, base = node.input[0], node.input[1], node.name or node.output[0]
    v, h = w.shape
    if embed == "gbq" and h % block == 0:
        sdt = np.float16 if w.dtype == np.float16 else np.float32
        q, s = quantize_blocks_nbit(w.T, block, nb, sdt)  # rows of the table are the "columns" of its transpose
        rw.add(q.reshape(v, h * nb // 8), name + f"_q{nb}")
        rw.add(s, name + "_scales")
        release(name)
        return [helper.make_node("GatherBlockQuantized", [name + f"_q{nb}", ids, name + "_scales"], [node.output[0]], name=base + "_q4",
                                 domain="com.microsoft", bits=nb, block_size=block, gather_axis=0, quantize_axis=1)]
    if w.dtype == np.float16:
        return [node]
    if np.abs(w).max() > 65504:
        raise ValueError(f"embedding table {name} exceeds the fp16 range")
    rw.add(w.astype(np.float16), name + "_fp16")
    release(name)
    return [helper.make_node("Gather", [name + "_fp16", ids], [base + "_rows16"], name=base + "_fp16", axis=0),
            helper.make_node("Cast", [base + "_rows16"], [node.output[0]], name=base + "_cast", to=TensorProto.FLOAT)]
