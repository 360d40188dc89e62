"""Sub-skill probes of a trained medrwr-tiny in PyTorch (greedy, fresh images from their own seed stream): does round 1
write the right query, and, given the right passages, does the final turn pick the right letter? The build logs them
so a failed training shows where it failed; `medrwr eval` through the app remains the measure that counts."""
from __future__ import annotations

import random
import re

import numpy as np
import torch

from models.tiny import world
from models.tiny.examples import think1
from models.tiny.protocol import Layout, Seq
from models.tiny.render import render
from models.lib.qwen_vl_mini import get_rope_index
from models.tiny.train import patch_inputs

PROBE_STREAM = 5000


@torch.no_grad()
def greedy(model, layout: Layout, seq: Seq, images: list[np.ndarray], stop: str, max_new: int = 90) -> str:
    """Greedy continuation with the KV cache (text positions continue from the prompt's last one)."""
    pv, grid = patch_inputs(images)
    grid_t = torch.from_numpy(grid)
    ids = torch.tensor([seq.ids])
    pos, _ = get_rope_index(ids, model.token_ids, grid_t)
    e = model.embed_tokens(ids).masked_scatter((ids == model.token_ids.image_pad).unsqueeze(-1),
                                               model.visual(torch.from_numpy(pv), grid_t))
    logits, past = model.decoder(e, torch.ones_like(ids), pos)
    nxt_pos, out = pos[:, :, -1:], []
    for _ in range(max_new):
        nxt = int(torch.argmax(logits[0, -1]))
        out.append(nxt)
        if stop in layout.tok.decode(out) or nxt == layout.sp["<|im_end|>"]:
            break
        nxt_pos = nxt_pos + 1
        t = torch.tensor([[nxt]])
        logits, past = model.decoder(model.embed_tokens(t), torch.ones(1, len(seq.ids) + len(out), dtype=torch.int64),
                                     nxt_pos, past)
    return layout.tok.decode(out)


def probe(model, layout: Layout, docs_for, seed: int, per_condition: int = 4, log=print) -> dict[str, float]:
    """docs_for(findings) -> the top-3 passages the app would retrieve (the full KB, unseen included)."""
    model.eval()
    rng = random.Random(seed + PROBE_STREAM)
    score: dict[str, list[int]] = {}
    samples = 3  # whole greedy outputs logged, to read what went wrong
    for ci, c in enumerate(world.CONDITIONS):
        nrng = np.random.default_rng([seed, PROBE_STREAM, ci])
        for _ in range(per_condition):
            grey, _ = render(nrng, c.sig, c.texture)
            _, opts, letter, user_text = world.mcq(rng, c.name, world.option_pool(c), c.sig.modality, c.twin)
            q = greedy(model, layout, layout.prompt(1, user_text), [grey], "</query>", 60)
            m = re.search(r"<query> (.*?) </query>", q)
            score.setdefault(f"query/{c.split}", []).append(int(bool(m) and m.group(1) == c.sig.findings()))
            s = layout.prompt(1, user_text)
            layout.after_retrieval(s, think1(c.sig), c.sig.findings(), docs_for(c.sig.findings()))
            a = greedy(model, layout, s, [grey], "</answer>", 90)
            m = re.search(r"<answer> ([ABCD])\.", a)
            score.setdefault(f"answer/{c.split}", []).append(int(bool(m) and m.group(1) == letter))
            if c.split != "ambiguous" and samples:
                samples -= 1
                log(f"  probe sample {c.name} [{letter}]: {q!r} -> {a!r}")
    out = {k: float(np.mean(v)) for k, v in sorted(score.items())}
    log("  probe " + ", ".join(f"{k} {v:.2f}" for k, v in out.items()))
    return out
