"""Exports the three graphs without ever holding the model's weights.

torch.onnx.export traces each graph over placeholder weights (one broadcast scalar each) passed as inputs named
after their checkpoint tensors. Those inputs then become initializers written one tensor at a time from the
safetensors (transposed for MatMul, bf16/fp16 widened to fp32): inside the .onnx file when the graph's weights fit
protobuf's 2 GB limit, else in `<graph>.onnx_data` beside it (ONNX external data, 4 KiB-aligned so ONNX Runtime can
map it)."""
from __future__ import annotations

import contextlib
import io
import resource
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
import torch
from onnx import TensorProto

from models.lib.precise_trig import make_trig_precise
from models.lib.qwen_vl_mini import kv_cache_io

from .checkpoint import Checkpoint, CheckpointError, HfConfig
from .model import DecoderGraph, EmbedGraph, VisionGraph, source_of

OPSET = 17
INLINE_LIMIT = 1800 << 20  # bytes of weights a single .onnx file may hold (protobuf's cap is 2 GiB for everything)
ALIGN = 4096
CHUNK = 64 << 20  # bytes per write when transposing

Log = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def build_graphs(c: HfConfig, force_full_attention: bool = False) -> dict[str, torch.nn.Module]:
    graphs = {"vision_encoder": VisionGraph(c.vision, force_full_attention).eval(), "embed_tokens": EmbedGraph(c.text).eval(),
            "decoder_model_merged": DecoderGraph(c.text).eval()}
    # Every parameter becomes a placeholder (no memory; the graph never depends on the values, the real tensors are
    # written after tracing), each with its own value so the exporter never takes two for one tied weight.
    k = 0
    for g in graphs.values():
        for module in g.modules():
            for pname, p in list(module._parameters.items()):
                if p is not None:
                    k += 1
                    module._parameters[pname] = torch.nn.Parameter(torch.full((), float(k)).expand(p.shape), requires_grad=False)
    return graphs


@contextlib.contextmanager
def _placeholders_not_cloned():
    """torch.onnx.export's tracer clones every input (only to warn if one changes); a clone of a placeholder would be
    a full-size copy, all of them held at once (the whole model). Placeholders (all strides 0) are passed through."""
    original = torch.Tensor.clone

    def clone(self, *args, **kwargs):
        if self.dim() > 0 and not any(self.stride()):
            return self
        return original(self, *args, **kwargs)

    torch.Tensor.clone = clone
    try:
        yield
    finally:
        torch.Tensor.clone = original


class _WeightsAsInputs(torch.nn.Module):
    """The graph with its weights as trailing inputs rather than parameters: the exporter's shape inference copies
    every parameter's value into a protobuf (2 GB for the embedding), but only looks at an input's shape."""

    def __init__(self, module: torch.nn.Module, n_inputs: int):
        super().__init__()
        self.__dict__["inner"] = module  # not registered: the wrapper itself has no parameters
        self.names = [n for n, _ in module.named_parameters()]
        self.n_inputs = n_inputs

    def forward(self, *args):
        slots = []
        for name, value in zip(self.names, args[self.n_inputs:]):
            owner, _, attr = name.rpartition(".")
            m = self.inner.get_submodule(owner)
            slots.append((m, attr, m._parameters[attr]))
            m._parameters[attr] = value  # the traced input stands in for the parameter
        try:
            return self.inner(*args[:self.n_inputs])
        finally:
            for m, attr, p in slots:
                m._parameters[attr] = p


def _trace(name: str, module: torch.nn.Module, path: Path, ckpt: Checkpoint) -> None:
    """Traced with 2 images, batch 2 and a past of 4 so no dynamic size is frozen to 0 or 1."""
    tc, vc = ckpt.config.text, ckpt.config.vision
    if name == "vision_encoder":
        grid = torch.tensor([[1, 4, 4], [1, 2, 6]], dtype=torch.int64)
        args = (torch.zeros(int(grid.prod(-1).sum()), vc.patch_dim), grid)
        inputs, outputs = ["pixel_values", "image_grid_thw"], ["image_features"]
        axes = {"pixel_values": {0: "num_patches"}, "image_grid_thw": {0: "num_images"}, "image_features": {0: "num_image_tokens"}}
    elif name == "embed_tokens":
        args = (torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int64),)
        inputs, outputs = ["input_ids"], ["inputs_embeds"]
        axes = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "inputs_embeds": {0: "batch_size", 1: "sequence_length"}}
    else:
        b, s, p = 2, 3, 4
        past_names, present_names, kv_axes, flat_past = kv_cache_io(tc, b, p)
        inputs = ["inputs_embeds", "attention_mask", "position_ids", "num_logits_to_keep", *past_names]
        outputs = ["logits", *present_names]
        axes = {"inputs_embeds": {0: "batch_size", 1: "sequence_length"},
                "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
                "position_ids": {1: "batch_size", 2: "sequence_length"}, "logits": {0: "batch_size", 1: "num_logits"},
                **kv_axes}
        args = (torch.zeros(b, s, tc.hidden_size), torch.ones(b, p + s, dtype=torch.int64),
                torch.arange(p, p + s).expand(3, b, s).contiguous(), torch.tensor(1, dtype=torch.int64), *flat_past)
    wrapper = _WeightsAsInputs(module, len(args))
    weights = tuple(p for _, p in module.named_parameters())
    with torch.no_grad(), _placeholders_not_cloned():
        torch.onnx.export(wrapper, args + weights, str(path), input_names=inputs + wrapper.names, output_names=outputs,
                          dynamic_axes=axes, opset_version=OPSET, export_params=False, do_constant_folding=True)


def _write_tensor(out, arr: np.ndarray, transform: str) -> None:
    """Writes arr (float32) in the graph's layout: as is, or transposed ([out, in] -> [in, out]) in row chunks."""
    if transform == "as_is":
        out.write(np.ascontiguousarray(arr).data)  # no copy of a 2 GB embedding
        return
    if transform == "conv":
        arr = arr.reshape(arr.shape[0], -1)
    rows_per_chunk = max(1, CHUNK // (4 * arr.shape[0]))
    for k in range(0, arr.shape[1], rows_per_chunk):
        out.write(np.ascontiguousarray(arr[:, k:k + rows_per_chunk].T).tobytes())


def export_graph(name: str, module: torch.nn.Module, ckpt: Checkpoint, onnx_dir: Path, log: Log = _stderr,
                 step: str = "") -> list[Path]:
    """Writes onnx_dir/<name>.onnx (and <name>.onnx_data when large); returns the files written."""
    t0 = time.time()
    path = onnx_dir / f"{name}.onnx"
    _trace(name, module, path, ckpt)
    model = onnx.load(str(path))
    params = dict(module.named_parameters())
    graph_inputs = [i for i in model.graph.input if i.name not in params]
    used = [i.name for i in model.graph.input if i.name in params]
    total = sum(4 * int(np.prod(params[n].shape)) for n in used)
    external = total > INLINE_LIMIT
    data_path = onnx_dir / f"{name}.onnx_data"
    log(f"{step}graph {name}: {len(used)} weight tensors, {total / 1e6:.1f} MB fp32"
        + (f", external data in {data_path.name}" if external else ""))
    initializers = []
    data = open(data_path, "wb") if external else None
    try:
        for k, pname in enumerate(used, 1):
            shape = tuple(params[pname].shape)
            src, expected, transform = source_of(pname, shape, ckpt.config.tie_word_embeddings, ckpt.config.vision)
            entry = check_tensor(ckpt, src, expected)
            t1 = time.time()
            arr = ckpt.read(src)
            tensor = TensorProto(name=pname, data_type=TensorProto.FLOAT, dims=list(shape))
            if external:
                offset = data.seek(0, io.SEEK_END)
                pad = -offset % ALIGN
                data.write(b"\0" * pad)
                offset += pad
                _write_tensor(data, arr, transform)
                tensor.data_location = TensorProto.EXTERNAL
                for key, value in (("location", data_path.name), ("offset", str(offset)), ("length", str(4 * arr.size))):
                    entry_kv = tensor.external_data.add()
                    entry_kv.key, entry_kv.value = key, value
            else:
                buf = io.BytesIO()
                _write_tensor(buf, arr, transform)
                tensor.raw_data = buf.getvalue()
            del arr
            initializers.append(tensor)
            log(f"{step}  [{k}/{len(used)}] {pname} {list(shape)} <- {entry.file.name} {entry.dtype} "
                f"({4 * int(np.prod(shape)) / 1e6:.1f} MB, {time.time() - t1:.2f}s)")
    finally:
        if data:
            data.close()
    del model.graph.input[:]
    model.graph.input.extend(graph_inputs)
    model.graph.initializer.extend(initializers)
    model.producer_name, model.producer_version = "medrwr models.convert.qwen25vl", "1"
    make_trig_precise(model)  # the rotary angles' sin/cos alike on every execution provider
    onnx.save_model(model, str(path))
    files = [path, data_path] if external else [path]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux
    log(f"{step}graph {name}: written {sum(f.stat().st_size for f in files) / 1e6:.1f} MB in {time.time() - t0:.1f}s "
        f"(peak RSS so far {peak:.2f} GB)")
    return files


def expected_tensors(cfg: HfConfig) -> dict[str, tuple[int, ...]]:
    """Every tensor a Qwen2.5-VL checkpoint with this config holds, by name, with its shape (what the graphs read)."""
    out: dict[str, tuple[int, ...]] = {}
    for module in build_graphs(cfg).values():
        for pname, p in module.named_parameters():
            src, shape, _ = source_of(pname, tuple(p.shape), cfg.tie_word_embeddings, cfg.vision)
            out[src] = shape
    return out


def check_tensor(ckpt: Checkpoint, name: str, shape: tuple[int, ...]):
    """The tensor's entry; refused, naming its file, when missing or not of the shape config.json implies."""
    entry = ckpt.entry(name)
    if entry.shape != tuple(shape):
        raise CheckpointError(f"{entry.file}: tensor {entry.name} has shape {list(entry.shape)}; config.json implies {list(shape)}")
    return entry
