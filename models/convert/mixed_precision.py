"""Which weights of a q4 variant are stored at 8 bits instead of 4 (mixed precision, as llama.cpp's k-quant mixes keep
their most sensitive tensors at more bits).

The rule, for any package (it reads only the fp32 graphs' structure and the manifest's layer count):
- the token embedding table (`embed_tokens`' Gather) and `lm_head` (the decoder's weight MatMul that writes `logits`),
  the two vocabulary-sized tensors (llama.cpp's 4-bit mixes likewise store the output tensor at 6 bits);
- every weight of the first and the last ceil(L/8) of the decoder's L layers (at least one each): the first read the
  raw embeddings and every later layer carries their errors, the last write what lm_head reads (llama.cpp's Q4_K_M
  likewise gives the first and last eighth of the layers more bits, there for attn_v and ffn_down).
Everything else (the middle decoder layers, the whole vision tower) stays 4-bit: about two thirds of the weights, in
the demo model (65%) and at Qwen2.5-VL-7B's dimensions (64%, where the q4 graphs grow from ~5.2 to ~6.7 GB, 0.20x
fp32). The sensitivity study that chose this rule, on the demo model, is in models/medrwr-tiny/MODEL_CARD.md
("Quantized variants"); the package manifest lists the exceptions.

A decoder's layers are told apart without names (exported graphs often have none): in a graph's node order, which is
topological, every weight MatMul of layer i comes before any of layer i+1, so the weights before `lm_head` split into
L equal runs.
"""
from __future__ import annotations

import math

import numpy as np
import onnx

from models.convert.quantize import FLOATS, MIN_ELEMENTS

RULE = "8-bit: the embedding table, lm_head and the first and last ceil(L/8) decoder layers; 4-bit: the rest"


class MixedPrecisionError(ValueError):
    pass


def _weight_names(model: onnx.ModelProto, ops: tuple[str, ...], at: int) -> list[tuple[onnx.NodeProto, str]]:
    """(node, weight) for each node of `ops` whose input `at` is a weight quantize.py would rewrite, in node order."""
    inits = {t.name: t for t in model.graph.initializer}
    out = []
    for n in model.graph.node:
        if n.op_type in ops and len(n.input) > at and (t := inits.get(n.input[at])) is not None and t.data_type in FLOATS \
                and len(t.dims) == 2 and int(np.prod(t.dims)) >= MIN_ELEMENTS:
            out.append((n, n.input[at]))
    return out


def edge_layers(num_layers: int) -> list[int]:
    """The decoder layers kept at 8 bits: the first and the last ceil(L/8)."""
    n = max(1, math.ceil(num_layers / 8))
    return sorted(set(range(n)) | set(range(num_layers - n, num_layers)))


def eight_bit_weights(embed: onnx.ModelProto, decoder: onnx.ModelProto, num_layers: int) -> dict[str, list[str]]:
    """The weights (initializer names of the fp32 graphs) to store at 8 bits, per graph."""
    if num_layers < 1:
        raise MixedPrecisionError(f"the manifest's text_config.num_hidden_layers is {num_layers}; need at least 1")
    tables = [w for _, w in _weight_names(embed, ("Gather",), 0)]
    mats = _weight_names(decoder, ("MatMul", "Gemm"), 1)
    outputs = {o.name for o in decoder.graph.output}
    if not mats or mats[-1][0].output[0] not in outputs:
        raise MixedPrecisionError("the decoder's last weight MatMul does not write a graph output: no lm_head to keep at 8 bits "
                                  "(quantize with --uniform to put every weight at 4 bits)")
    layers = [w for _, w in mats[:-1]]
    if len(layers) % num_layers:
        raise MixedPrecisionError(f"the decoder has {len(layers)} weight MatMuls before lm_head, not a multiple of its {num_layers} layers: "
                                  "its layers cannot be told apart (quantize with --uniform to put every weight at 4 bits)")
    per = len(layers) // num_layers
    wide = [w for i in edge_layers(num_layers) for w in layers[i * per:(i + 1) * per]]
    return {"embed_tokens": tables, "decoder_model_merged": wide + [mats[-1][1]]}
