#!/usr/bin/python3
"""Hugging Face XLM-RoBERTa / BGE-M3 folder -> our text-encoder packages ("medrwr-encoder/1", read by
main/kb/encoder-manifest.ts), one folder per variant:

  OUT/fp32/  model.onnx (+ model.onnx.data when over protobuf's 2 GB)  tokenizer.json  manifest.json
  OUT/fp16/  float16 weights, fp32 arithmetic
  OUT/int8/  int8 weights per output column, activations quantized at run time in two passes (value and residual),
             int8 embedding rows (models/convert/quantize.py to_int8)

The graph takes input_ids and attention_mask [batch, sequence] (int64) and returns the L2-normalised CLS vector
("embeddings" [batch, hidden]), as FlagEmbedding's FlagModel does for BGE-M3 (medrwr-protocol.md §3). The tokenizer is
the folder's own tokenizer.json (XLM-RoBERTa: Unigram with Metaspace), used unchanged by @huggingface/tokenizers in
the app; the manifest says which ids wrap a text (<s> … </s>), that texts are cut to max_length (512) tokens with
them, and the instruction glued before queries only, with no separator.

Needs only Debian's python3-torch, python3-onnx and python3-numpy; run from the repository root:
  /usr/bin/python3 -m models.convert.convert_encoder HF_DIR OUT [--variants fp32,fp16,int8] [--id bge-m3]
      [--version 1] [--query-instruction "Represent this sentence for searching relevant passages:"] [--int8-passes 2|1]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from models.convert.quantize import INT8_PASSES, INT8_WEIGHT_LIMIT, to_fp16, to_int8
from models.convert.safetensors_io import read_checkpoint
from models.convert.xlmr import XlmrConfig, XlmrEncoder, load_hf_weights
from models.lib.package import sha256_file

FORMAT = "medrwr-encoder/1"
BGE_M3_INSTRUCTION = "Represent this sentence for searching relevant passages:"
VARIANTS = ("fp32", "fp16", "int8")
PROTOBUF_LIMIT = 2_000_000_000


def read_tokenizer(hf_dir: Path) -> tuple[dict, int, int]:
    path = hf_dir / "tokenizer.json"
    if not path.exists():
        raise FileNotFoundError(f"{hf_dir}: no tokenizer.json (the fast-tokenizer file BGE-M3 ships)")
    tok = json.loads(path.read_text(encoding="utf-8"))
    if tok.get("model", {}).get("type") != "Unigram":
        raise ValueError(f"{path}: model type {tok.get('model', {}).get('type')!r}, expected XLM-RoBERTa's Unigram")
    # The app truncates and wraps texts itself (manifest max_length, special_tokens) and pads batches itself.
    tok["truncation"], tok["padding"] = None, None
    added = {t["content"]: t["id"] for t in tok.get("added_tokens", [])}
    if "<s>" not in added or "</s>" not in added:
        raise ValueError(f"{path}: no <s> / </s> special tokens")
    return tok, added["<s>"], added["</s>"]


def build_model(hf_dir: Path) -> tuple[XlmrEncoder, XlmrConfig]:
    cfg = XlmrConfig.from_json(json.loads((hf_dir / "config.json").read_text()))
    model = XlmrEncoder(cfg)
    load_hf_weights(model, read_checkpoint(hf_dir))
    return model.eval(), cfg


def export_fp32(model: XlmrEncoder, path: Path) -> None:
    ids = torch.tensor([[0, 10, 11, 12, 2], [0, 13, 2, 1, 1]], dtype=torch.int64)
    mask = (ids != 1).to(torch.int64)
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), str(path), input_names=["input_ids", "attention_mask"], output_names=["embeddings"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, "embeddings": {0: "batch"}},
                          opset_version=14, do_constant_folding=True)


def int8_record(passes: int) -> dict:
    """What the int8 variant is, for its manifest (models/convert/quantize.py to_int8)."""
    return {"ops": "DynamicQuantizeLinear + MatMulInteger", "weights": f"int8 per output column, symmetric, within +-{INT8_WEIGHT_LIMIT}",
            "activations": "uint8 per tensor at run time" + (", plus the same of their rounding residual" if passes == 2 else ""),
            "passes": passes, "embeddings": "int8 rows, one scale each"}


def save(model: onnx.ModelProto, path: Path) -> list[Path]:
    """One file when it fits protobuf's 2 GB limit, else the weights in model.onnx.data beside it."""
    big = sum(len(t.raw_data) for t in model.graph.initializer) > PROTOBUF_LIMIT
    if big:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True, location=path.name + ".data", size_threshold=1024)
        return [path, path.with_name(path.name + ".data")]
    onnx.save_model(model, str(path))
    return [path]


def convert_encoder(hf_dir: str | Path, out: str | Path, *, variants=VARIANTS, encoder_id="bge-m3", version="1",
                    query_instruction=BGE_M3_INSTRUCTION, max_length=512, int8_passes=2, description=None, log=print) -> dict[str, Path]:
    hf_dir, out = Path(hf_dir), Path(out)
    for v in variants:
        if v not in VARIANTS:
            raise ValueError(f"unknown variant {v!r}: use {', '.join(VARIANTS)}")
    tok, bos, eos = read_tokenizer(hf_dir)
    t0 = time.time()
    model, cfg = build_model(hf_dir)
    if max_length + cfg.pad_token_id + 1 > cfg.max_position_embeddings:
        raise ValueError(f"max_length {max_length} needs {max_length + cfg.pad_token_id + 1} positions; the model has {cfg.max_position_embeddings}")
    log(f"loaded {hf_dir} ({cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, vocab {cfg.vocab_size}) in {time.time() - t0:.1f}s")
    written = {}
    with tempfile.TemporaryDirectory() as tmp:
        fp32_path = Path(tmp) / "model.onnx"
        export_fp32(model, fp32_path)
        for v in variants:
            t1 = time.time()
            graph = onnx.load(str(fp32_path))
            if v == "fp16":
                graph = to_fp16(graph)
            elif v == "int8":
                graph = to_int8(graph, passes=int8_passes)
            dest = out / v
            if dest.exists():
                shutil.rmtree(dest)
            dest.mkdir(parents=True)
            files = save(graph, dest / "model.onnx")
            (dest / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False), encoding="utf-8")
            manifest = {
                "format": FORMAT, "id": f"{encoder_id}-{v}", "version": version, "kind": "text",
                "description": description or f"{encoder_id} dense (XLM-RoBERTa, CLS pooling, L2-normalised), {v}, converted from {hf_dir.name} by models/convert/convert_encoder.py",
                "onnx": {"path": "model.onnx", "sha256": sha256_file(files[0])},
                **({"onnx_data": {"path": files[1].name, "sha256": sha256_file(files[1])}} if len(files) > 1 else {}),
                "tokenizer": {"path": "tokenizer.json", "sha256": sha256_file(dest / "tokenizer.json")},
                "dimension": cfg.hidden_size, "max_length": max_length, "normalized": True, "pooling": "cls",
                "special_tokens": {"bos": bos, "eos": eos},
                "query_instruction": query_instruction,
                "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"}, "output": "embeddings",
                "variant": v, **({"int8": int8_record(int8_passes)} if v == "int8" else {}),
                "architecture": {"layers": cfg.num_hidden_layers, "hidden": cfg.hidden_size, "heads": cfg.num_attention_heads, "vocab": cfg.vocab_size},
            }
            (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
            log(f"{v}: {dest} ({sum(f.stat().st_size for f in files) / 1e6:.1f} MB, {time.time() - t1:.1f}s)")
            written[v] = dest
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("hf_dir")
    ap.add_argument("out")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--id", default="bge-m3")
    ap.add_argument("--version", default="1")
    ap.add_argument("--query-instruction", default=BGE_M3_INSTRUCTION)
    ap.add_argument("--max-length", type=int, default=512)
    ap.add_argument("--int8-passes", type=int, default=2, choices=INT8_PASSES,
                    help="int8 variant: 2 (default) multiplies the activations' int8 value and its rounding residual, close to "
                         "fp32's ranking; 1 only the value, about 1.7x faster a query and 3x a batch, rankings of close passages may swap (BENCHMARKS.md)")
    a = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    convert_encoder(a.hf_dir, a.out, variants=tuple(a.variants.split(",")), encoder_id=a.id, version=a.version,
                    query_instruction=a.query_instruction, max_length=a.max_length, int8_passes=a.int8_passes, log=lambda s: print(s, file=sys.stderr))


if __name__ == "__main__":
    main()
