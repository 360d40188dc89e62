"""Stage 1.5: compact copy drills (text only) that teach the language side to copy a name from its context.

The protocol's cues end in a token that every passage or option shares (")" in "(2) name", "." in "C. name"), so
copying the right name takes the token before the cue too: an induction over two tokens. Trajectories hold one or
two such copies in 350 tokens and teach it too slowly for this budget; these drills hold seven in about 110, in the
same token layout (an option block, a retrieve block, then the think citing them in a random order), with only the
names learnt."""
from __future__ import annotations

import math
import random
import time

import torch

from models.tiny import world
from models.tiny.protocol import DECISIVE_WEIGHT, Layout, Seq


def cite(layout: Layout, s: Seq, names: list[str], opts: list[str], rng: random.Random) -> None:
    """The think citing every passage and option in a random order: cues given, names learnt (decisive weight)."""
    refs = [(f" Passage ({k + 1})", n, " is") for k, n in enumerate(names)] + \
           [(f"\n{'ABCD'[i]}.", o, ":") for i, o in enumerate(opts)]
    rng.shuffle(refs)
    s.add(layout.plain("<think>"), False)
    for cue, name, tail in refs:
        s.add(layout.plain(cue), False)
        ids = layout.plain(" " + name)
        s.add(ids, True, [DECISIVE_WEIGHT] * len(ids))
        s.add(layout.plain(tail), False)


def drill(layout: Layout, rng: random.Random) -> Seq:
    opts = [world.random_name(rng) for _ in range(4)]
    names = [rng.choice(opts) if rng.random() < 0.4 else world.random_name(rng) for _ in range(3)]
    s = Seq()
    s.add(layout.plain(rng.choice(world.QUESTION_TEMPLATES).format(mod="CT") +
                       "".join(f"\n{'ABCD'[i]}. {o}" for i, o in enumerate(opts)) + "\n"), False)
    s.add(layout.plain("<retrieve> " + "".join(f"({k + 1}) {n} is a fictional condition.\n" for k, n in enumerate(names))
                       + " </retrieve>\n"), False)
    cite(layout, s, names, opts, rng)
    return s


def _batch(seqs: list[Seq]):
    n = max(len(s.ids) for s in seqs)
    ids = torch.zeros(len(seqs), n, dtype=torch.int64)
    labels = torch.full((len(seqs), n), -100, dtype=torch.int64)
    mask = torch.zeros(len(seqs), n, dtype=torch.int64)
    for k, s in enumerate(seqs):
        ids[k, :len(s.ids)] = torch.tensor(s.ids)
        labels[k, :len(s.labels)] = torch.tensor(s.labels)
        mask[k, :len(s.ids)] = 1
    pos = torch.arange(n).view(1, 1, n).expand(3, len(seqs), n)
    return ids, labels, mask, pos


def copy_accuracy(model, layout: Layout, rng: random.Random, n: int = 64) -> float:
    """Share of drill names copied whole (teacher forcing)."""
    ids, labels, mask, pos = _batch([drill(layout, rng) for _ in range(n)])
    with torch.no_grad():
        logits, _ = model.decoder(model.embed_tokens(ids), mask, pos)
    pred = logits[:, :-1].argmax(-1)
    tgt = labels[:, 1:]
    ok, total = 0, 0
    for r in range(n):
        learn = (tgt[r] >= 0).tolist()
        spans, cur = [], []
        for i, on in enumerate(learn):
            if on:
                cur.append(i)
            elif cur:
                spans.append(cur)
                cur = []
        if cur:
            spans.append(cur)
        for sp in spans:
            total += 1
            ok += int(all(int(pred[r, i]) == int(tgt[r, i]) for i in sp))
    return ok / max(1, total)


def pretrain_copy(model, layout: Layout, *, seed: int, steps: int, batch: int = 32, lr: float = 2e-3, log=print):
    rng = random.Random(seed + 11)
    check = random.Random(seed + 12)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    model.decoder.train()
    t0 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 100) * (0.3 + 0.7 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        ids, labels, mask, pos = _batch([drill(layout, rng) for _ in range(batch)])
        logits, _ = model.decoder(model.embed_tokens(ids), mask, pos)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1),
                                                 ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if (step + 1) % 100 == 0:
            model.decoder.eval()
            acc = copy_accuracy(model, layout, random.Random(check.random()))
            model.decoder.train()
            log(f"copy step {step + 1} loss {float(loss):.4f} names copied {acc:.2f} {time.time() - t0:.0f}s")
