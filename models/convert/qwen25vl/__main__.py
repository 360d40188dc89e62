"""python3 -m models.convert.qwen25vl HF_DIR --out DIR: a Hugging Face Qwen2.5-VL checkpoint (Med-RwR) -> a medrwr-model/1
package with fp32 graphs. Progress goes to stderr; exit status 2 with one line naming the file and the cause when
the input is refused."""
from __future__ import annotations

import argparse
import os
import sys

import torch

from .checkpoint import CheckpointError
from .package import convert


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m models.convert.qwen25vl", description=__doc__.split("\n")[0])
    ap.add_argument("hf_dir", help="folder with config.json, model.safetensors (or shards + index), tokenizer.json, ...")
    ap.add_argument("--out", required=True, help="package folder to create (written beside, then renamed)")
    ap.add_argument("--id", help="package id (default: from the source checkpoint id)")
    ap.add_argument("--name", help="display name")
    ap.add_argument("--source-id", help="the checkpoint's Hugging Face id, e.g. Luxuriant16/Med-RwR (default: the folder name)")
    ap.add_argument("--licence", help="licence of the weights (default: the model card's `license:`)")
    ap.add_argument("--synthetic", action="store_true", help="mark the package as synthetic (random test weights)")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap.add_argument("--debug-full-attention", action="store_true", help=argparse.SUPPRESS)  # tests: window attention off
    a = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    try:
        convert(a.hf_dir, a.out, package_id=a.id, name=a.name, source_id=a.source_id, licence=a.licence,
                synthetic=a.synthetic, force=a.force, force_full_attention=a.debug_full_attention)
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
