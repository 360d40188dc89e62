"""One command rebuilds the demo world, the KB sources, the encoders and the medrwr-tiny package from a seed.

    nice /usr/bin/python3 -m models.tiny.build --seed 0 [--steps 400] [--out models/medrwr-tiny]   (from the repository root)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from models.tiny import build_world, image_encoder, world
from models.tiny.examples import Builder
from models.tiny.protocol import SYSTEM_PROMPT, Layout
from models.tiny.retrieval import BM25
from models.tiny import train as trainer
from models.tiny.probe import probe
from models.tiny.copy_drills import pretrain_copy
from models.lib.package import PROTOCOL, write_manifest, IMAGE_PROCESSOR
from models.lib.qwen_vl_mini import configs_to_json, export_onnx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

COUNTS = dict(real=60, none=12, cdir=40, renamed=1500, renamed_pairs=200, drills=800)
HELD_OUT = dict(real=3, none=1, cdir=3, renamed=60, renamed_pairs=10, drills=0)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def kb_texts(root: Path, include_unseen: bool) -> list[str]:
    unseen = {c.name for c in world.CONDITIONS if c.split == "unseen"}
    out = []
    for name in ("passages.jsonl", "distractors.jsonl"):
        for line in open(root / "kb" / "demo" / name):
            row = json.loads(line)
            if include_unseen or row.get("title") not in unseen:
                out.append(row["text"])
    return out


def library(root: Path, cnn):
    rows = [json.loads(line) for line in open(root / "kb" / "demo" / "images" / "captions.jsonl")]
    from PIL import Image
    greys = [np.asarray(Image.open(root / "kb" / "demo" / "images" / r["image"]).convert("L")) for r in rows]
    emb = image_encoder.embed_many(cnn, greys)

    def nearest(grey):
        e = image_encoder.embed_many(cnn, [grey])[0]
        i = int(np.argmax(emb @ e))
        cap = rows[i]["caption"]
        return greys[i], cap, cap.split("Reference case of ")[1].split(":")[0]
    return nearest


def encoder_pairs(root: Path) -> list[tuple[str, str]]:
    """Self-supervised (query, passage) pairs from the KB text alone: every sentence and every clause after a colon
    points to its own passage; the clauses weigh more since queries are short finding phrases."""
    pairs = []
    for text in kb_texts(root, include_unseen=True):
        for sent in text.split(". "):
            if len(sent.split()) >= 4:
                pairs.append((sent, text))
            if ": " in sent:
                pairs.extend([(sent.split(": ", 1)[1].rstrip("."), text)] * 6)
    return pairs


def train_encoder(root: Path, seed: int) -> None:
    from models.encoders.train_text_encoder import train_text_encoder
    train_text_encoder(encoder_pairs(root), str(root / "kb" / "demo" / "text-encoder"), seed=seed,
                       encoder_id="medrwr-tiny-text-encoder", version=f"seed{seed}", dim=128, vocab_size=2000,
                       epochs=60, description="Text encoder for the synthetic demo KB (self-supervised: a sentence "
                       "or clause -> its passage).", log=log)


def build_kb_index(root: Path) -> None:
    """Builds kb/demo/index with the app's own builder, adds the CDIR library, and checks that each condition's
    canonical findings retrieve its passage first (the assumption the trajectories were built on)."""
    import subprocess
    kb = root / "kb" / "demo"
    cli = ["node", str(ROOT / "bin" / "medrwr.js")]
    subprocess.run(cli + ["kb", "build", str(kb / "passages.jsonl"), str(kb / "distractors.jsonl"), "--encoder",
                          str(kb / "text-encoder"), "--out", str(kb / "index"), "--id", "medrwr-tiny-demo-kb",
                          "--version", "1", "--force"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run(cli + ["kb", "add-images", str(kb / "index"), str(kb / "images"), "--captions",
                          str(kb / "images" / "captions.jsonl"), "--encoder", str(kb / "image-encoder")],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    for c in world.CONDITIONS:
        out = subprocess.run(cli + ["kb", "search", str(kb / "index"), c.sig.findings(), "--k", "3", "--json"],
                             check=True, cwd=ROOT, capture_output=True, text=True).stdout
        top = [p["text"].split(" is ")[0] for p in json.loads(out)]
        ok = top[0] == c.name or (c.twin is not None and top[0] == c.twin)
        log(f"  {'ok ' if ok else 'MISMATCH'} {c.name}: {top}")


def vision_key(seed: int, steps: int) -> str:
    """What the pretrained vision tower depends on: the drawing code, the world, its config and training code."""
    import hashlib
    import inspect
    h = hashlib.sha256()
    for f in ("render.py", "world.py"):
        h.update((HERE / f).read_bytes())
    h.update(inspect.getsource(trainer.pretrain_vision).encode() + inspect.getsource(trainer.FindingProbes).encode())
    h.update(json.dumps([trainer.VISION, trainer.ATTRS, trainer.PROBE_WEIGHTS, seed, steps]).encode())
    return h.hexdigest()[:16]


def trajectories(b: Builder, free: list, counts: dict) -> list:
    out = []
    for c in world.CONDITIONS:
        if c.split == "unseen":
            continue
        out += b.real(c, counts["real"], counts["none"] if c.split == "seen" else 0,
                      counts["cdir"] if c.split == "ambiguous" else max(1, counts["cdir"] // 8))
    return out + b.renamed(free, counts["renamed"], counts["renamed_pairs"]) + b.drills(free, counts["drills"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=2500, help="optimiser steps for the VLM")
    ap.add_argument("--copy-steps", type=int, default=600, help="optimiser steps of text-only copy drills")
    ap.add_argument("--vision-steps", type=int, default=2500, help="optimiser steps for the vision tower alone")
    ap.add_argument("--root", default=str(ROOT), help="where kb/demo, demo/ and models/ are written")
    ap.add_argument("--out", default=None, help="package folder (default ROOT/models/medrwr-tiny)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    root = Path(args.root)
    out = Path(args.out) if args.out else root / "models" / "medrwr-tiny"
    work = HERE / "out"
    work.mkdir(exist_ok=True)
    t0 = time.time()

    log("world: KB sources, reference library, demo studies, benchmark")
    build_world.build(root, args.seed)

    log("image encoder (CDIR library)")
    cnn = image_encoder.train(args.seed, log=log)  # seconds with OpenBLAS, so never cached
    image_encoder.export(cnn, root / "kb" / "demo" / "image-encoder", args.seed)
    nearest = library(root, cnn)

    log("tokenizer")
    out.mkdir(parents=True, exist_ok=True)
    tok = trainer.build_tokenizer(out / "tokenizer.json", args.seed)

    log("trajectories")
    docs = kb_texts(root, include_unseen=False)  # unseen conditions never enter a training trajectory
    bm = BM25(docs)
    real_sigs = {c.sig for c in world.CONDITIONS}
    free = [s for s in world.all_signatures() if s not in real_sigs]
    examples = trajectories(Builder(Layout(tok), docs, bm.top, args.seed, library=nearest), free, COUNTS)
    held_out = trajectories(Builder(Layout(tok), docs, bm.top, args.seed + 7919, library=nearest), free, HELD_OUT)
    kinds = dict(Counter(e.kind for e in examples))
    lens = [len(e.seq.ids) for e in examples]
    log(f"{len(examples)} sequences {kinds}; tokens {sum(lens)} (mean {np.mean(lens):.0f}, max {max(lens)})")
    trainer.save_examples_preview(work / "examples-preview.jsonl", examples[::max(1, len(examples) // 12)], tok, 12)

    model = trainer.make_model(tok, args.seed)
    train_sigs = [c.sig for c in world.CONDITIONS if c.split != "unseen"] + free
    cached = work / f"vision-{vision_key(args.seed, args.vision_steps)}.pt"  # deterministic for its inputs
    if cached.exists():
        log(f"stage 1: the vision tower from {cached.name}")
        model.visual.load_state_dict(torch.load(cached))
        trainer.freeze_vision(model)
    else:
        log(f"stage 1: the vision tower on {len(train_sigs)} training signatures, {args.vision_steps} steps")
        trainer.pretrain_vision(model, train_sigs, seed=args.seed, steps=args.vision_steps, log=log)
        torch.save(model.visual.state_dict(), cached)
    log(f"stage 1.5: copy drills, {args.copy_steps} steps")
    pretrain_copy(model, Layout(tok), seed=args.seed, steps=args.copy_steps, log=log)
    log(f"stage 2: the language side, {args.steps} steps")
    trainer.train(model, examples, seed=args.seed, steps=args.steps, held_out=held_out, tok=tok, log=log)
    torch.save(model.state_dict(), work / "model.pt")
    full = kb_texts(root, include_unseen=True)
    bm_full = BM25(full)
    probe(model, Layout(tok), lambda q: [full[i] for i in bm_full.top(q, 3)], args.seed, log=log)

    log("text encoder (KB dense index)")
    train_encoder(root, args.seed)

    log("export")
    if (out / "onnx").exists():
        shutil.rmtree(out / "onnx")
    export_onnx(model, out / "onnx")
    tcfg, vcfg = configs_to_json(model.text_config, model.vision_config)
    write_manifest(out, id="medrwr-tiny", version=f"0.1.0+seed{args.seed}",
                   name="medrwr-tiny: synthetic demo model (fictional world, not a medical model)", licence="MIT",
                   synthetic=True, text_config=tcfg, vision_config=vcfg, system_prompt=SYSTEM_PROMPT,
                   image_processor={**IMAGE_PROCESSOR, "max_pixels": 112 * 112},
                   generation={"max_new_tokens": 160, "temperature": 0, "top_k": 0, "top_p": 1.0,
                               "repetition_penalty": 1.0, "seed": 0},
                   protocol=PROTOCOL)
    log("demo knowledge base index (main/kb through the medrwr CLI)")
    build_kb_index(root)
    log(f"done in {(time.time() - t0) / 60:.1f} min")
    return 0


def _with_fast_blas() -> None:
    """Debian's torch links the generic libblas.so.3; the reference BLAS behind it is ~13x slower than OpenBLAS.
    Re-exec with OpenBLAS first on the library path when it is available (apt: libopenblas0-pthread, or a folder
    holding its files named by MEDRWR_OPENBLAS_DIR). Results are the same up to float rounding."""
    if os.environ.get("MEDRWR_BLAS_CHECKED"):
        return
    for d in (os.environ.get("MEDRWR_OPENBLAS_DIR", ""), "/usr/lib/x86_64-linux-gnu/openblas-pthread"):
        if d and os.path.exists(os.path.join(d, "libblas.so.3")):
            env = dict(os.environ, MEDRWR_BLAS_CHECKED="1", OPENBLAS_NUM_THREADS="1",
                       LD_LIBRARY_PATH=d + (":" + os.environ["LD_LIBRARY_PATH"] if os.environ.get("LD_LIBRARY_PATH") else ""))
            os.execve(sys.executable, [sys.executable, "-m", "models.tiny.build", *sys.argv[1:]], env)
    print("note: generic BLAS in use; install libopenblas0-pthread for a ~10x faster build", file=sys.stderr)


if __name__ == "__main__":
    _with_fast_blas()
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    sys.exit(main())
