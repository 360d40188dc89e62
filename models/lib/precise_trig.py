"""Sin and Cos as ONNX arithmetic, so that every execution provider computes the rotary angles' sines alike.

GPU shading languages give sin/cos a loose accuracy (WGSL: 2^-11 absolute on [-pi, pi], nothing outside), and
Chromium's software Vulkan driver stays at about 2e-4 for the angles Qwen2.5-VL's rotary embedding feeds them (position
x inverse frequency, hundreds of radians and more). That error reaches the logits (1.3e-3 on the demo model on WebGPU).
Mul, Add, Sub and Floor are exact or correctly rounded on every provider, so each float32 Sin/Cos becomes:

- a reduction to r in [-pi, pi]: k = floor(x / 2pi + 1/2), r = (x - k*C1) - k*C2, where C1 = 6.28125 has 8 significant
  bits (k*C1 is exact for k < 2^16, i.e. |x| < 411,000 rad) and C2 = 2pi - C1;
- a Taylor polynomial in r^2 by Horner's rule (sin to r^17, cos to r^18: truncation below 3e-8 on [-pi, pi]).

Measured against float64 sin/cos of the float32 angle: about 1e-6 absolute on every provider.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models.lib.onnx_types import elem_types
from models.lib.package import graph_ref

C1 = 6.28125
C2 = 2 * math.pi - C1
SIN_TERMS = 9  # r, r^3, ..., r^17
COS_TERMS = 10  # 1, r^2, ..., r^18


def _coefficients(op: str) -> list[float]:
    """Coefficients of the polynomial in u = r^2, highest power first (sin: times r afterwards)."""
    if op == "Sin":
        return [(-1) ** n / math.factorial(2 * n + 1) for n in reversed(range(SIN_TERMS))]
    return [(-1) ** n / math.factorial(2 * n) for n in reversed(range(COS_TERMS))]


def make_trig_precise(model: onnx.ModelProto) -> int:
    """Replaces every float32 Sin and Cos node of the graph in place; returns how many were replaced."""
    g = model.graph
    if not any(n.op_type in ("Sin", "Cos") for n in g.node):
        return 0  # no shape inference for graphs without them (embed_tokens, every graph rewritten before)
    types = elem_types(model)  # Sin/Cos of other types (fp16) stay as they are
    consts: dict[float, str] = {}
    out_nodes = []

    def const(v: float) -> str:
        """A float32 scalar as a Constant node (inline: a graph with external data keeps every initializer there)."""
        if v not in consts:
            name = f"precise_trig/c{len(consts)}"
            out_nodes.append(helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.array(v, dtype=np.float32), name)))
            consts[v] = name
        return consts[v]

    replaced = 0
    for node in g.node:
        if node.op_type not in ("Sin", "Cos") or node.domain not in ("", "ai.onnx") or types.get(node.input[0]) != TensorProto.FLOAT:
            out_nodes.append(node)
            continue
        replaced += 1
        p = f"precise_trig/{replaced}"
        x, y = node.input[0], node.output[0]
        seq: list[onnx.NodeProto] = []

        def emit(op: str, a: str, b: str | None = None, out: str | None = None) -> str:
            name = out or f"{p}/{len(seq)}"
            seq.append(helper.make_node(op, [a] if b is None else [a, b], [name], name=f"{p}/{op}{len(seq)}"))
            return name

        k = emit("Floor", emit("Add", emit("Mul", x, const(1 / (2 * math.pi))), const(0.5)))
        r = emit("Sub", emit("Sub", x, emit("Mul", k, const(C1))), emit("Mul", k, const(C2)))
        u = emit("Mul", r, r)
        coeffs = _coefficients(node.op_type)
        acc = const(coeffs[0])
        for i, c in enumerate(coeffs[1:]):
            last = node.op_type == "Cos" and i == len(coeffs) - 2
            acc = emit("Add", emit("Mul", acc, u), const(c), out=y if last else None)
        if node.op_type == "Sin":
            emit("Mul", acc, r, out=y)
        out_nodes.extend(seq)
    if replaced:
        del g.node[:]
        g.node.extend(out_nodes)
    return replaced


def rewrite_package(package_dir: str | Path) -> list[str]:
    """Rewrites the fp32 graphs of a package (one converted before this pass existed) in place and their manifest
    entries' sha256; returns the graphs it changed. Graphs with external data keep it beside them, unchanged."""
    root = Path(package_dir)
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    changed = []
    for graph, variants in manifest["files"].items():
        ref = variants.get("fp32") if isinstance(variants, dict) and "path" not in variants else None
        if not ref:
            continue
        path = root / ref["path"]
        model = onnx.load(str(path), load_external_data=False)
        if make_trig_precise(model):
            onnx.save_model(model, str(path))
            variants["fp32"] = graph_ref(root, ref["path"])
            changed.append(graph)
    if changed:
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return changed


if __name__ == "__main__":
    for d in sys.argv[1:]:
        print(d, rewrite_package(d) or "nothing to rewrite")
