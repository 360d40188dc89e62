"""Calibrated 4-bit rounding for the decoder (GPTQ's error feedback, in MatMulNBits' symmetric block-32 format).

Plain rounding treats every input dimension of a weight as equally important. GPTQ rounds one input row of W [K, N]
at a time and spreads that row's rounding error over the rows not yet rounded, weighted by H = XᵀX, the second moment
of the inputs the layer really sees, so the layer's *outputs* on real text change least. The stored format is the
same (same ops, same sizes); only which of the 16 levels each weight gets differs.

H comes from running the fp32 decoder on calibration texts in numpy (numpy_onnx.py; no onnxruntime in Python here),
which is practical for small models only (the demo model: seconds).
"""
from __future__ import annotations

import numpy as np
import onnx
from models.convert.numpy_onnx import run
from models.convert.quantize import FLOATS, MIN_ELEMENTS, SCALE_SEARCH, pack_levels


def decoder_hessians(decoder: onnx.ModelProto, embed: onnx.ModelProto, sequences: list[list[int]]) -> dict[str, np.ndarray]:
    """H = Σ xᵀx over every position of every sequence, for each weight MatMul's input (keyed by the weight's name)."""
    inits = {t.name: t for t in decoder.graph.initializer}
    targets: dict[str, list[str]] = {}  # activation name -> the weights that multiply it (q, k, v share one)
    for n in decoder.graph.node:
        if n.op_type == "MatMul" and n.input[1] in inits and inits[n.input[1]].data_type in FLOATS and len(inits[n.input[1]].dims) == 2 \
                and int(np.prod(inits[n.input[1]].dims)) >= MIN_ELEMENTS:
            targets.setdefault(n.input[0], []).append(n.input[1])
    past = {}
    for i in decoder.graph.input:
        if i.name.startswith("past_key_values."):
            d = [x.dim_value for x in i.type.tensor_type.shape.dim]
            past[i.name] = np.zeros((1, d[1], 0, d[3]), np.float32)
    hs: dict[str, np.ndarray] = {}
    for ids in sequences:
        s = len(ids)
        (embeds,) = run(embed, {"input_ids": np.array([ids], np.int64)}, [embed.graph.output[0].name])
        feeds = {"inputs_embeds": embeds.astype(np.float32), "attention_mask": np.ones((1, s), np.int64),
                 "position_ids": np.broadcast_to(np.arange(s, dtype=np.int64), (3, 1, s)).copy(), **past}
        names = list(targets)
        outs = run(decoder, feeds, names)
        for a, x in zip(names, outs):
            x = np.asarray(x, np.float64).reshape(-1, x.shape[-1])
            xtx = x.T @ x
            for w in targets[a]:
                hs[w] = hs.get(w, 0) + xtx
    return hs


def gptq_blocks(w: np.ndarray, h: np.ndarray, block: int, scale_dtype: type = np.float32, bits: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The same output as quantize_blocks_nbit (MatMulNBits' B and scales for a [K, N] weight), rounded with GPTQ."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    k, n = w.shape
    pad = -k % block
    blocks = k // block + (pad > 0)
    h = np.array(h, np.float64)
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    h += np.eye(k) * 0.01 * np.mean(np.diag(h))  # dampening, as GPTQ
    hinv = np.linalg.cholesky(np.linalg.inv(h)).T  # upper factor
    wk = np.array(w, np.float64)
    wk[dead, :] = 0
    levels = np.zeros((k + pad, n), np.int64)
    scales = np.zeros((blocks, n), np.float64)
    for b in range(blocks):
        r0, r1 = b * block, min(k, (b + 1) * block)
        blk = wk[r0:r1]
        at = np.abs(blk).argmax(axis=0)
        base = blk[at, np.arange(n)] / lo
        best, best_s = np.full(n, np.inf), np.zeros(n)
        for f in SCALE_SEARCH:  # the scale with the least plain rounding error for this block, as block_levels
            sf = (base * f).astype(scale_dtype).astype(np.float64)
            inv = np.divide(1.0, sf, out=np.zeros_like(sf), where=sf != 0)
            err = ((np.clip(np.rint(blk * inv), lo, hi) * sf - blk) ** 2).sum(axis=0)
            better = err < best
            best[better], best_s[better] = err[better], sf[better]
        scales[b] = best_s
        inv = np.divide(1.0, best_s, out=np.zeros_like(best_s), where=best_s != 0)
        for r in range(r0, r1):
            q = np.clip(np.rint(wk[r] * inv), lo, hi)
            levels[r] = q
            e = (wk[r] - q * best_s) / hinv[r, r]
            wk[r + 1:] -= np.outer(hinv[r, r + 1:], e)
    v = levels.T.reshape(n, blocks, block)
    if pad:
        v[:, -1, block - pad:] = 0  # padding rows hold zero
    return pack_levels(v, bits), scales.T.astype(scale_dtype)
