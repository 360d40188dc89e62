"""Write the world's committed artifacts: KB sources (passages, distractors, captioned image library), demo DICOM
studies and the held-out benchmark. Each uses its own seed stream, apart from the training images."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
from PIL import Image

from models.tiny import world
from models.tiny.dicom_out import write_ct, write_us
from models.tiny.render import render

LIBRARY_PER_CONDITION = 6
BENCH_PER_SPLIT = {"seen": 48, "unseen": 48, "ambiguous": 48}
STREAMS = {"library": 2000, "bench": 1000, "studies": 4000, "train": 3000}


def rng_for(seed: int, stream: str, i: int = 0):
    return np.random.default_rng([seed, STREAMS[stream], i])


def caption(c: world.Condition) -> str:
    trait = {"fine": " The interior shows a fine, even grain.", "coarse": " The interior shows coarse blotches.",
             "plain": ""}[c.texture]
    return f"Reference case of {c.name}: {c.sig.findings()}.{trait}"


def write_png(path: Path, grey: np.ndarray) -> None:
    Image.fromarray(grey).save(path, optimize=True)


def kb_sources(root: Path, seed: int) -> None:
    kb = root / "kb" / "demo"
    (kb / "images").mkdir(parents=True, exist_ok=True)
    with open(kb / "passages.jsonl", "w") as f:
        for c in world.CONDITIONS:
            f.write(json.dumps({"id": "cond-" + c.name.lower().replace(" ", "-"), "title": c.name,
                                "text": world.passage(c.name, c.sig, c.lore, c.twin),
                                "source": "medrwr-tiny synthetic world (fictional)"}) + "\n")
    with open(kb / "distractors.jsonl", "w") as f:
        for i, text in enumerate(world.DISTRACTORS):
            f.write(json.dumps({"id": f"general-{i + 1:02d}", "title": text.split(".")[0][:60], "text": text,
                                "source": "medrwr-tiny synthetic world (general)"}) + "\n")
    with open(kb / "images" / "captions.jsonl", "w") as f:
        for ci, c in enumerate(world.CONDITIONS):
            for j in range(LIBRARY_PER_CONDITION):
                grey, _ = render(rng_for(seed, "library", ci * 100 + j), c.sig, c.texture)
                name = f"ref-{ci:02d}-{j}.png"
                write_png(kb / "images" / name, grey)
                f.write(json.dumps({"id": name[:-4], "image": name, "caption": caption(c),
                                    "source": "medrwr-tiny synthetic reference library"}) + "\n")


def bench(root: Path, seed: int) -> None:
    out = root / "demo"
    (out / "bench").mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 7 + 1)
    rows, n = [], 0
    for split, total in BENCH_PER_SPLIT.items():
        conds = [c for c in world.CONDITIONS if c.split == split]
        for k in range(total):
            c = conds[k % len(conds)]
            grey, _ = render(rng_for(seed, "bench", n), c.sig, c.texture)
            n += 1
            name = f"case-{n:03d}.png"
            write_png(out / "bench" / name, grey)
            stem, opts, letter, _ = world.mcq(rng, c.name, world.option_pool(c), c.sig.modality, c.twin)
            rows.append({"id": f"case-{n:03d}", "images": [f"bench/{name}"], "question": stem, "options": opts,
                         "answer": letter, "split": split})
    order = list(range(len(rows)))
    rng.shuffle(order)  # interleave splits so --limit samples all of them
    with open(out / "bench.jsonl", "w") as f:
        for i in order:
            f.write(json.dumps(rows[i]) + "\n")


def studies(root: Path, seed: int) -> None:
    out = root / "demo" / "studies"
    out.mkdir(parents=True, exist_ok=True)
    picks = ["Varnel cyst", "Telmar mass", "Fennick mass", "Harlan ectasia", "Sornby nodule", "Pelloran mass",
             "Tamsett ectasia", "Rowbeck nodule"]
    for i, name in enumerate(picks):
        c = world.BY_NAME[name]
        _, raw = render(rng_for(seed, "studies", i), c.sig, c.texture)
        key = f"medrwr-tiny/{seed}/study-{i + 1:02d}"
        desc = f"{world.MODALITY_WORDS[c.sig.modality]} study {i + 1}"
        path = str(out / f"study-{i + 1:02d}-{c.sig.modality.lower()}.dcm")
        if c.sig.modality == "CT":
            write_ct(path, key, raw, desc)
        else:
            write_us(path, key, raw, desc)


def build(root: Path, seed: int) -> None:
    kb_sources(root, seed)
    bench(root, seed)
    studies(root, seed)


if __name__ == "__main__":
    import sys
    build(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0)
