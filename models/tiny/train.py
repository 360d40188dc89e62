"""Tokenizer, trajectories and training of the miniature Qwen2.5-VL (models/lib/qwen_vl_mini.py), then export."""
from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch

from models.lib.bpe_tokenizer import ByteLevelBPE, train_bpe, write_tokenizer
from models.lib.image_preprocess import patchify
from models.lib.qwen_vl_mini import (QwenVLMini, TextConfig, TokenIds, VisionConfig, get_rope_index,
                                     IGNORE_INDEX)

from models.tiny import world
from models.tiny.examples import (Builder, Example, THINK_1, final, reads_match, reads_nothing, reads_reference,
                                  reads_twins)
from models.tiny.protocol import SYSTEM_PROMPT, Layout

# rope_theta 1e4, not Qwen's 1e6: with 16 rotary pairs and a few hundred positions, 1e6 leaves too few frequencies
# that tell neighbouring tokens apart, and copying a name token by token needs exactly that.
TEXT = dict(hidden_size=128, intermediate_size=384, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
            head_dim=32, mrope_section=[4, 6, 6], max_position_embeddings=4096, rope_theta=10000.0)
VISION = dict(hidden_size=128, depth=4, num_heads=4, intermediate_size=256, out_hidden_size=128)
VOCAB = 1200


def tokenizer_corpus(seed: int) -> list[str]:
    """Text the BPE is learnt from. Real condition names are left out on purpose: names then split into syllable
    pieces that the renamed examples train, so a name seen only in the KB is still made of trained tokens."""
    rng = random.Random(seed)
    sigs = world.all_signatures()
    texts = [SYSTEM_PROMPT, *world.DISTRACTORS, THINK_1]
    for _ in range(400):
        sig, name, twin = rng.choice(sigs), world.random_name(rng), world.random_name(rng)
        texts.append(world.passage(name, sig, (), twin if rng.random() < 0.2 else None))
        opts = [world.random_name(rng) for _ in range(4)]
        texts.append(rng.choice(world.QUESTION_TEMPLATES).format(mod=world.MODALITY_WORDS[sig.modality]) + "\n" +
                     "\n".join(f"{'ABCD'[i]}. {o}" for i, o in enumerate(opts)))
        texts.append(f"<query> {sig.findings()} </query>\n<retrieve> (1) x\n (2) y\n </retrieve>\n<retrieve> None </retrieve>\n"
                     + final(reads_match(1, name), opts, {name}, "A", name))
        texts.append(" ".join((reads_reference(name), reads_twins(1, name, twin), reads_nothing(name))))
    return texts


def visual_batched(visual, pixel_values, n_images: int):
    """The vision tower over n same-size images at once, as a batch (training speed): the same arithmetic as
    VisionEncoder.forward, whose block mask makes attention across a whole batch quadratic in all patches."""
    from models.lib.qwen_vl_mini import apply_rotary, vision_patch_layout
    n = pixel_values.shape[0] // n_images
    grid = torch.tensor([[1, 8, 8]], dtype=torch.int64)
    _, row, col = vision_patch_layout(grid, n, visual.cfg.spatial_merge_size)
    freqs = torch.cat((row.unsqueeze(1).float() * visual.inv_freq, col.unsqueeze(1).float() * visual.inv_freq), 1)
    emb = torch.cat((freqs, freqs), dim=1)
    cos, sin = emb.cos(), emb.sin()  # [n, head_dim]
    x = visual.patch_embed(pixel_values).view(n_images, n, -1)
    for block in visual.blocks:
        a = block.attn
        h = block.norm1(x)
        q, k, v = a.qkv(h).view(n_images, n, 3, a.num_heads, a.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        att = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(a.head_dim), dim=-1)
        out = torch.matmul(att, v).transpose(1, 2).reshape(n_images, n, -1)
        x = x + a.proj(out)
        x = x + block.mlp(block.norm2(x))
    return visual.merger(x.reshape(n_images * n, -1))


ATTRS = {
    "modality": list(world.MODALITIES),
    "echo": sorted({e for m in world.MODALITIES for e in world.ECHO[m]}),
    "shape": sorted({s for m in world.MODALITIES for s in world.SHAPES[m]}),
    "margin": list(world.MARGINS), "count": list(world.COUNTS),
}


PROBE_WEIGHTS = (1.0, 1.0, 3.0, 1.0, 1.0)  # the outline is the slowest finding to learn


def attr_labels(sig) -> list[int]:
    return [ATTRS[k].index(getattr(sig, k)) for k in ATTRS]


class FindingProbes(torch.nn.Module):
    """Training-only linear probes (not exported) on an attention-weighted mean of an image's visual tokens, as the
    language side reads them: the describable findings must be linearly readable from what one attention returns."""

    def __init__(self, dim: int):
        super().__init__()
        self.score = torch.nn.Linear(dim, 1)
        self.heads = torch.nn.ModuleList([torch.nn.Linear(dim, len(v)) for v in ATTRS.values()])

    def loss_acc(self, feats, n_images: int, targets):
        tok = feats.view(n_images, -1, feats.shape[-1])
        pooled = (torch.softmax(self.score(tok), dim=1) * tok).sum(1)
        loss, acc = 0.0, []
        for i, (h, w) in enumerate(zip(self.heads, PROBE_WEIGHTS)):
            logits = h(pooled)
            loss = loss + w * torch.nn.functional.cross_entropy(logits, targets[:, i])
            acc.append(float((logits.argmax(-1) == targets[:, i]).float().mean()))
        return loss / sum(PROBE_WEIGHTS), acc


def pretrain_vision(model: QwenVLMini, sigs: list, *, seed: int, steps: int, batch: int = 48, lr: float = 2e-3,
                    log=print) -> None:
    """Stage 1: the vision tower alone learns to read the findings (modality, echo or density, shape, margin, count)
    of freshly drawn images of the training signatures, textures included. Cheap (no text), and it leaves the
    language stage only the mapping from visual tokens to words."""
    from models.tiny.render import render
    rng = np.random.default_rng([seed, 6000])
    probes = FindingProbes(model.text_config.hidden_size)
    params = list(model.visual.parameters()) + list(probes.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    model.visual.train()
    t0 = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * min(1.0, (step + 1) / 50) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        chosen = [sigs[int(i)] for i in rng.integers(0, len(sigs), batch)]
        greys = [render(rng, sg, ("plain", "fine", "coarse")[int(rng.integers(0, 3))])[0] for sg in chosen]
        pv, _ = patch_inputs(greys)
        feats = visual_batched(model.visual, torch.from_numpy(pv), batch)
        loss, acc = probes.loss_acc(feats, batch, torch.tensor([attr_labels(sg) for sg in chosen]))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if (step + 1) % 250 == 0:
            log(f"vision step {step + 1} loss {float(loss):.4f} acc " +
                " ".join(f"{k} {a:.2f}" for k, a in zip(ATTRS, acc)) + f" {time.time() - t0:.0f}s")
    freeze_vision(model)


def freeze_vision(model: QwenVLMini) -> None:
    model.visual.eval()
    for p in model.visual.parameters():
        p.requires_grad_(False)


def forward_loss(model, ids, labels, weights, mask, pos, feats):
    """Weighted next-token cross-entropy over the model-written tokens (weights are 0 elsewhere)."""
    embeds = model.embed_tokens(ids)
    embeds = embeds.masked_scatter((ids == model.token_ids.image_pad).unsqueeze(-1), feats)
    hidden, _ = model.decoder(embeds, mask, pos, head=False)
    # Logits only where there is a target: most positions are prompt or evidence, and the head is a fifth of the cost.
    rows = labels[:, 1:] != IGNORE_INDEX
    logits = model.decoder.lm_head(hidden[:, :-1][rows])
    w = weights[:, 1:][rows]
    ce = torch.nn.functional.cross_entropy(logits, labels[:, 1:][rows], reduction="none")
    return (ce * w).sum() / w.sum(), hidden


def patch_inputs(images: list[np.ndarray]):
    pv, grids = [], []
    for g in images:
        p, grid = patchify(np.repeat(g[:, :, None], 3, axis=2))
        pv.append(p)
        grids.append(grid)
    return np.concatenate(pv), np.concatenate(grids)


class Batcher:
    """Pads examples of similar length into batches. The vision tower is frozen by then, so each example's visual
    tokens and position ids are computed once."""

    def __init__(self, examples: list[Example], model: QwenVLMini, max_tokens: int, seed: int):
        self.items = []
        with torch.no_grad():
            for ex in examples:
                ids = torch.tensor([ex.seq.ids])
                pv, grid = patch_inputs(ex.images)
                pos, _ = get_rope_index(ids, model.token_ids, torch.from_numpy(grid))
                feats = visual_batched(model.visual, torch.from_numpy(pv), len(ex.images))
                self.items.append((ex.seq.ids, ex.seq.labels, ex.seq.weights, pos[:, 0], feats))
        self.max_tokens, self.rng = max_tokens, random.Random(seed)

    def batches(self):
        order = sorted(range(len(self.items)), key=lambda i: (len(self.items[i][0]), self.rng.random()))
        out, cur = [], []
        for i in order:
            n = len(self.items[i][0])
            if cur and (len(cur) + 1) * n > self.max_tokens:
                out.append(cur)
                cur = []
            cur.append(i)
        if cur:
            out.append(cur)
        self.rng.shuffle(out)
        for b in out:
            yield self.collate(b)

    def collate(self, idx):
        rows = [self.items[i] for i in idx]
        n = max(len(r[0]) for r in rows)
        ids = torch.zeros(len(rows), n, dtype=torch.int64)
        labels = torch.full((len(rows), n), IGNORE_INDEX, dtype=torch.int64)
        weights = torch.zeros(len(rows), n)
        mask = torch.zeros(len(rows), n, dtype=torch.int64)
        pos = torch.ones(3, len(rows), n, dtype=torch.int64)
        for k, (a, l, w, p, _) in enumerate(rows):
            ids[k, :len(a)] = torch.tensor(a)
            labels[k, :len(l)] = torch.tensor(l)
            weights[k, :len(w)] = torch.tensor(w)
            mask[k, :len(a)] = 1
            pos[:, k, :len(a)] = p
        return ids, labels, weights, mask, pos, torch.cat([r[4] for r in rows])


def skill_accuracy(model: QwenVLMini, batcher: Batcher, tok: ByteLevelBPE) -> dict[str, float]:
    """Teacher-forced accuracy of the parts that decide a case, on held-out trajectories: the whole query, the name
    copied from the evidence, and the answer letter."""
    hits: dict[str, list[int]] = {}
    with torch.no_grad():
        for ids, labels, weights, mask, pos, feats in batcher.batches():
            _, hidden = forward_loss(model, ids, labels, weights, mask, pos, feats)
            pred = model.decoder.lm_head(hidden).argmax(-1)
            for r in range(ids.shape[0]):
                n = int(mask[r].sum())
                pieces = [tok.decode([int(t)]) for t in ids[r, :n]]
                ends = np.cumsum([len(x) for x in pieces])
                text = "".join(pieces)

                def span(open_tag: str, close_tag: str):
                    i = text.rfind(open_tag)
                    j = text.find(close_tag, i + len(open_tag)) if i >= 0 else -1
                    if i < 0 or j < 0 or labels[r, int(np.searchsorted(ends, i + len(open_tag)))] < 0:
                        return None
                    return int(np.searchsorted(ends, i + len(open_tag))), int(np.searchsorted(ends, j))

                for key, tags in (("query", ("<query>", "</query>")), ("name", (") ", " is ")),
                                  ("letter", ("<answer>", "."))):
                    sp = span(*tags)
                    if sp is None:
                        continue
                    lo, hi = sp
                    ok = bool((pred[r, lo - 1:hi] == ids[r, lo:hi + 1]).all())
                    hits.setdefault(key, []).append(int(ok))
    return {k: float(np.mean(v)) for k, v in sorted(hits.items())}


def train(model: QwenVLMini, examples: list[Example], *, seed: int, steps: int, max_tokens: int = 3000,
          lr: float = 2e-3, warmup: int = 100, held_out: list[Example] | None = None, tok: ByteLevelBPE | None = None,
          log=print) -> None:
    """Stage 2: the language side on the trajectories, the vision tower frozen. A fixed number of optimiser steps
    (deterministic for a seed), cosine decay to 5% after a linear warmup."""
    batcher = Batcher(examples, model, max_tokens, seed)
    check = Batcher(held_out, model, max_tokens, seed) if held_out and tok else None
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01, betas=(0.9, 0.98))
    n_batches = sum(1 for _ in batcher.batches())
    t0, step, epoch = time.time(), 0, 0
    model.decoder.train()
    while step < steps:
        epoch += 1
        for ids, labels, weights, mask, pos, feats in batcher.batches():
            frac = step / steps
            warm = min(1.0, (step + 1) / warmup)
            for g in opt.param_groups:
                g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
            loss, _ = forward_loss(model, ids, labels, weights, mask, pos, feats)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            step += 1
            if step % 50 == 0:
                log(f"step {step} epoch {epoch} ({n_batches} batches/epoch) loss {float(loss):.4f} "
                    f"lr {opt.param_groups[0]['lr']:.2e} {time.time() - t0:.0f}s")
            if check and (step % 500 == 0 or step == steps):
                model.decoder.eval()
                log("  held-out " + ", ".join(f"{k} {v:.2f}" for k, v in skill_accuracy(model, check, tok).items()))
                model.decoder.train()
            if step >= steps:
                break
    model.eval()


def build_tokenizer(out: Path, seed: int) -> ByteLevelBPE:
    vocab, merges = train_bpe(tokenizer_corpus(seed), VOCAB)
    write_tokenizer(out, vocab, merges)
    return ByteLevelBPE.load(out)


def make_model(tok: ByteLevelBPE, seed: int) -> QwenVLMini:
    torch.manual_seed(seed)
    ids = TokenIds.from_tokenizer(tok)
    model = QwenVLMini(TextConfig(vocab_size=tok.vocab_size, **TEXT), VisionConfig(**VISION), ids)
    init_position_heads(model)
    return model


def init_position_heads(model: QwenVLMini, offsets: tuple[int, ...] = (1, 2), scale: float = 5.75) -> None:
    """Start two heads of the first layer (sharing its first key/value head) as heads that look 1 and 2 tokens back,
    whatever the tokens: q and k come from their biases alone, phased so that the rotary scores peak at that
    offset. Copying a name is an induction over these heads; left to find them on their own, a model this small
    needs most of the build's budget before it starts to copy (measured: ~1,300 drill steps). Training then
    reshapes them like any other weight."""
    attn = model.decoder.layers[0].self_attn
    hd, inv_freq = attn.hd, model.decoder.rope.inv_freq
    half = hd // 2
    with torch.no_grad():
        attn.k_proj.weight[:hd].zero_()
        attn.k_proj.bias[:hd].zero_()
        attn.k_proj.bias[:half] = scale
        for head, offset in enumerate(offsets):
            rows = slice(head * hd, (head + 1) * hd)
            attn.q_proj.weight[rows].zero_()
            attn.q_proj.bias[rows] = torch.cat((scale * torch.cos(-inv_freq * offset),
                                                scale * torch.sin(-inv_freq * offset)))


def save_examples_preview(path: Path, examples: list[Example], tok: ByteLevelBPE, n: int = 6) -> None:
    with open(path, "w") as f:
        for ex in examples[:n]:
            f.write(json.dumps({"kind": ex.kind, "text": tok.decode(ex.seq.ids),
                                "learned": tok.decode([t for t in ex.seq.labels if t >= 0])}) + "\n")


__all__ = ["build_tokenizer", "make_model", "pretrain_vision", "train", "Builder", "Layout", "save_examples_preview"]
