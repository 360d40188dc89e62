"""Tokenizer, trajectories and training of the miniature Qwen2.5-VL (models/lib/qwen_vl_mini.py), then export."""
from __future__ import annotations

import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from lib.bpe_tokenizer import ByteLevelBPE, train_bpe, write_tokenizer  # noqa: E402
from lib.image_preprocess import patchify  # noqa: E402
from lib.qwen_vl_mini import (QwenVLMini, TextConfig, TokenIds, VisionConfig, get_rope_index,  # noqa: E402
                              IGNORE_INDEX)

import world  # noqa: E402
from examples import Builder, Example, THINK_1  # noqa: E402
from protocol import SYSTEM_PROMPT, Layout  # noqa: E402

TEXT = dict(hidden_size=128, intermediate_size=384, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
            head_dim=32, mrope_section=[4, 6, 6], max_position_embeddings=4096)
VISION = dict(hidden_size=96, depth=3, num_heads=3, intermediate_size=192, out_hidden_size=128)
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
                     f"<think> Passage (1) describes {name}, which matches these findings. </think>\n"
                     f"<answer> {'ABCD'[rng.randrange(4)]}. {name} </answer>")
    return texts


def visual_batched(visual, pixel_values, n_images: int):
    """The vision tower over n same-size images at once, as a batch (training speed): the same arithmetic as
    VisionEncoder.forward, whose block mask makes attention across a whole batch quadratic in all patches."""
    import torch.nn.functional as F
    from lib.qwen_vl_mini import apply_rotary, vision_patch_layout
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
    del F
    return visual.merger(x.reshape(n_images * n, -1))


ATTRS = {
    "echo": sorted({e for m in world.MODALITIES for e in world.ECHO[m]}),
    "shape": sorted({s for m in world.MODALITIES for s in world.SHAPES[m]}),
    "margin": list(world.MARGINS), "count": list(world.COUNTS),
}


def attr_labels(sig) -> list[int]:
    if sig is None:
        return [IGNORE_INDEX] * len(ATTRS)
    return [ATTRS[k].index(getattr(sig, k)) for k in ATTRS]


class AuxHeads(torch.nn.Module):
    """Training-only probes on the pooled image features (not exported): they ask the vision tower to make the
    describable findings linearly readable early, which the language side then learns to put into its query."""

    def __init__(self, dim: int):
        super().__init__()
        self.heads = torch.nn.ModuleList([torch.nn.Linear(dim, len(v)) for v in ATTRS.values()])

    def loss(self, feats, n_images, targets):
        pooled = feats.view(n_images, -1, feats.shape[-1]).mean(1)
        return sum(torch.nn.functional.cross_entropy(h(pooled), targets[:, i], ignore_index=IGNORE_INDEX)
                   for i, h in enumerate(self.heads)) / len(self.heads)


def forward_loss(model, ids, labels, mask, pos, pv, n_images, aux=None, aux_targets=None):
    embeds = model.embed_tokens(ids)
    feats = visual_batched(model.visual, pv, n_images)
    embeds = embeds.masked_scatter((ids == model.token_ids.image_pad).unsqueeze(-1), feats)
    logits, _ = model.decoder(embeds, mask, pos)
    loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1),
                                             ignore_index=IGNORE_INDEX)
    if aux is not None:
        loss = loss + 0.5 * aux.loss(feats, n_images, aux_targets)
    return loss


def patch_inputs(images: list[np.ndarray]):
    pv, grids = [], []
    for g in images:
        p, grid = patchify(np.repeat(g[:, :, None], 3, axis=2))
        pv.append(p)
        grids.append(grid)
    return np.concatenate(pv), np.concatenate(grids)


class Batcher:
    """Pads examples of similar length into batches; position ids are computed once per example."""

    def __init__(self, examples: list[Example], tok_ids: TokenIds, max_tokens: int, seed: int):
        self.items = []
        for ex in examples:
            ids = torch.tensor([ex.seq.ids])
            pv, grid = patch_inputs(ex.images)
            pos, _ = get_rope_index(ids, tok_ids, torch.from_numpy(grid))
            aux = [attr_labels(ex.sig)] + [attr_labels(None)] * (len(ex.images) - 1)
            self.items.append((ex.seq.ids, ex.seq.labels, pos[:, 0], pv, grid, aux))
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
        mask = torch.zeros(len(rows), n, dtype=torch.int64)
        pos = torch.ones(3, len(rows), n, dtype=torch.int64)
        for k, (a, l, p, _, _, _) in enumerate(rows):
            ids[k, :len(a)] = torch.tensor(a)
            labels[k, :len(l)] = torch.tensor(l)
            mask[k, :len(a)] = 1
            pos[:, k, :len(a)] = p
        pv = torch.from_numpy(np.concatenate([r[3] for r in rows]))
        grid = torch.from_numpy(np.concatenate([r[4] for r in rows]))
        aux = torch.tensor([t for r in rows for t in r[5]], dtype=torch.int64)
        return ids, labels, mask, pos, pv, grid, aux


def build_tokenizer(out: Path, seed: int) -> ByteLevelBPE:
    vocab, merges = train_bpe(tokenizer_corpus(seed), VOCAB)
    write_tokenizer(out, vocab, merges)
    return ByteLevelBPE.load(out)


def make_model(tok: ByteLevelBPE, seed: int) -> QwenVLMini:
    torch.manual_seed(seed)
    ids = TokenIds(image_pad=tok.token_id("<|image_pad|>"), vision_start=tok.token_id("<|vision_start|>"))
    return QwenVLMini(TextConfig(vocab_size=tok.vocab_size, **TEXT), VisionConfig(**VISION), ids)


def train(model: QwenVLMini, examples: list[Example], *, seed: int, steps: int, max_tokens: int = 3000,
          lr: float = 2e-3, warmup: int = 100, log=print) -> None:
    """A fixed number of optimiser steps (deterministic for a seed), cosine decay to 5% after a linear warmup."""
    batcher = Batcher(examples, model.token_ids, max_tokens, seed)
    aux = AuxHeads(model.text_config.hidden_size)
    opt = torch.optim.AdamW(list(model.parameters()) + list(aux.parameters()), lr=lr, weight_decay=0.01,
                            betas=(0.9, 0.98))
    n_batches = sum(1 for _ in batcher.batches())
    t0, step, epoch = time.time(), 0, 0
    model.train()
    while step < steps:
        epoch += 1
        for ids, labels, mask, pos, pv, grid, aux_targets in batcher.batches():
            frac = step / steps
            warm = min(1.0, (step + 1) / warmup)
            for g in opt.param_groups:
                g["lr"] = lr * warm * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
            loss = forward_loss(model, ids, labels, mask, pos, pv, grid.shape[0], aux, aux_targets)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % 25 == 0:
                log(f"step {step} epoch {epoch} ({n_batches} batches/epoch) loss {float(loss):.4f} "
                    f"lr {opt.param_groups[0]['lr']:.2e} {time.time() - t0:.0f}s")
            if step >= steps:
                break
    model.eval()


def save_examples_preview(path: Path, examples: list[Example], tok: ByteLevelBPE, n: int = 6) -> None:
    with open(path, "w") as f:
        for ex in examples[:n]:
            f.write(json.dumps({"kind": ex.kind, "text": tok.decode(ex.seq.ids),
                                "learned": tok.decode([t for t in ex.seq.labels if t >= 0])}) + "\n")


__all__ = ["build_tokenizer", "make_model", "train", "Builder", "Layout", "save_examples_preview"]
