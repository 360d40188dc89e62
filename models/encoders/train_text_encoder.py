"""Train a small text encoder for knowledge-base search and export it as an ONNX model with its manifest.

The model: WordPiece tokens -> embeddings, a learned per-token weight (an IDF-like gate) for a weighted mean pool,
a linear projection, L2 normalisation. Trained with a symmetric in-batch contrastive loss (InfoNCE) on
(query, passage) pairs, e.g. a term or synonym and its definition. One CPU core, minutes.

Output folder (the "medrwr-encoder/1" format the app reads, main/kb/encoder-manifest.ts):
  manifest.json  model.onnx  tokenizer.json  tokenizer-check.json (sample texts and their ids, for a parity test)

Reusable: `from models.encoders.train_text_encoder import train_text_encoder` (the demo model calls it for its own corpus).
CLI, from the repository root: /usr/bin/python3 -m models.encoders.train_text_encoder PAIRS.jsonl OUT_DIR [--seed 0] [--id ID] ...
where PAIRS.jsonl holds {"query": ..., "text": ...} per line.
"""
import argparse
import hashlib
import json
import os
import random
import sys
import time

from models.encoders.wordpiece import WordPiece

FORMAT = "medrwr-encoder/1"


def _torch():
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    return torch


def _model_class(torch):
    class BagEncoder(torch.nn.Module):
        def __init__(self, vocab_size, dim):
            super().__init__()
            self.emb = torch.nn.Embedding(vocab_size, dim, padding_idx=0)
            self.gate = torch.nn.Embedding(vocab_size, 1)
            self.proj = torch.nn.Linear(dim, dim)
            torch.nn.init.normal_(self.emb.weight, std=0.1)
            torch.nn.init.zeros_(self.gate.weight)

        def forward(self, input_ids, attention_mask):
            w = torch.nn.functional.softplus(self.gate(input_ids)).squeeze(-1) * attention_mask.to(torch.float32)
            pooled = (self.emb(input_ids) * w.unsqueeze(-1)).sum(1) / w.sum(1, keepdim=True).clamp(min=1e-6)
            return torch.nn.functional.normalize(self.proj(pooled), dim=-1)

    return BagEncoder


def _pad(torch, seqs):
    n = max(1, max(len(s) for s in seqs))
    ids = torch.zeros(len(seqs), n, dtype=torch.long)
    mask = torch.zeros(len(seqs), n, dtype=torch.long)
    for i, s in enumerate(seqs):
        if s:
            ids[i, : len(s)] = torch.tensor(s)
            mask[i, : len(s)] = 1
    return ids, mask


def _batches(n, batch_size, groups):
    """Random batches; with groups, each batch is cut from one group's shuffled pairs, in random batch order."""
    order = list(range(n))
    random.shuffle(order)
    if groups is None:
        return [order[b: b + batch_size] for b in range(0, n, batch_size)]
    by_group = {}
    for i in order:
        by_group.setdefault(groups[i], []).append(i)
    batches = [ids[b: b + batch_size] for _, ids in sorted(by_group.items()) for b in range(0, len(ids), batch_size)]
    random.shuffle(batches)
    return batches


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def train_text_encoder(pairs, out_dir, seed=0, *, encoder_id="text-encoder", version="1", dim=256,
                       vocab_size=8000, epochs=40, batch_size=256, lr=3e-3, temperature=0.05, max_length=128,
                       extra_texts=(), min_word_freq=2, whole_word_share=0.5, groups=None, description="",
                       log=None):
    """Train on `pairs` (a list of (query, text) tuples; a text repeated for several queries is one target), write
    model.onnx, tokenizer.json, tokenizer-check.json and manifest.json into `out_dir`, and return the manifest dict.
    `extra_texts` only widen the tokenizer's vocabulary (no training signal); `min_word_freq` and `whole_word_share`
    shape it (see wordpiece.WordPiece.build). `groups` (one label per pair, e.g. a topic) makes each batch come from
    one group, so the in-batch negatives are related texts (harder) rather than random ones. Deterministic for a seed."""
    torch = _torch()
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    random.seed(seed)
    torch.manual_seed(seed)
    os.makedirs(out_dir, exist_ok=True)
    if groups is not None and len(groups) != len(pairs):
        raise ValueError("train_text_encoder: groups must have one label per pair")
    keep = [i for i, (q, t) in enumerate(pairs) if q.strip() and t.strip()]
    groups = [groups[i] for i in keep] if groups is not None else None
    pairs = [pairs[i] for i in keep]
    if not pairs:
        raise ValueError("train_text_encoder: no (query, text) pairs with text on both sides")

    tok = WordPiece.build([q for q, _ in pairs] + sorted({t for _, t in pairs}) + list(extra_texts), vocab_size,
                          min_word_freq=min_word_freq, whole_word_share=whole_word_share)
    texts = sorted({t for _, t in pairs})
    text_index = {t: i for i, t in enumerate(texts)}
    q_ids = [tok.encode(q, max_length) for q, _ in pairs]
    t_ids = [tok.encode(t, max_length) for t in texts]
    target = [text_index[t] for _, t in pairs]
    log(f"{len(pairs)} pairs, {len(texts)} distinct texts, vocabulary {len(tok.vocab)}")

    model = _model_class(torch)(len(tok.vocab), dim)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = [_batches(len(pairs), batch_size, groups) for _ in range(epochs)]
    steps = sum(len(epoch) for epoch in schedule)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    started = time.time()
    for epoch, batches in enumerate(schedule):
        total = 0.0
        for batch in batches:
            docs = sorted({target[i] for i in batch})  # each distinct text once: no false negatives in the batch
            col = {d: j for j, d in enumerate(docs)}
            q = model(*_pad(torch, [q_ids[i] for i in batch]))
            d = model(*_pad(torch, [t_ids[j] for j in docs]))
            logits = q @ d.T / temperature
            labels = torch.tensor([col[target[i]] for i in batch])
            loss = torch.nn.functional.cross_entropy(logits, labels)
            # the reverse direction: each text against the queries, counting every query of that text as right
            pos = (labels.unsqueeze(0) == torch.arange(len(docs)).unsqueeze(1)).float()
            rev = torch.logsumexp(logits.T, 1) - torch.logsumexp(logits.T.masked_fill(pos == 0, -1e9), 1)
            loss = loss + rev.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(batch)
        log(f"epoch {epoch + 1}/{epochs} loss {total / len(pairs):.4f} ({time.time() - started:.0f}s)")

    model.eval()
    onnx_path = os.path.join(out_dir, "model.onnx")
    ids, mask = _pad(torch, [tok.encode("sample text for export", max_length)] * 2)
    torch.onnx.export(model, (ids, mask), onnx_path, opset_version=17, input_names=["input_ids", "attention_mask"],
                      output_names=["embeddings"], dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                                                 "attention_mask": {0: "batch", 1: "sequence"},
                                                                 "embeddings": {0: "batch"}})
    tok_path = os.path.join(out_dir, "tokenizer.json")
    tok.save(tok_path)
    samples = [q for q, _ in pairs[:20]] + texts[:20] + ["Pneumothorax & pleural effusion (left-sided), naïve CT-scan!"]
    with open(os.path.join(out_dir, "tokenizer-check.json"), "w", encoding="utf-8") as f:
        json.dump([{"text": s, "ids": tok.encode(s, 10_000)} for s in samples], f, ensure_ascii=False, indent=0)
    manifest = {
        "format": FORMAT,
        "id": encoder_id,
        "version": version,
        "kind": "text",
        "description": description,
        "onnx": {"path": "model.onnx", "sha256": _sha256(onnx_path)},
        "tokenizer": {"path": "tokenizer.json", "sha256": _sha256(tok_path)},
        "dimension": dim,
        "max_length": max_length,
        "normalized": True,
        "pooling": "weighted-mean",
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask"},
        "output": "embeddings",
        "training": {"pairs": len(pairs), "texts": len(texts), "epochs": epochs, "seed": seed, "dim": dim,
                     "vocab": len(tok.vocab), "temperature": temperature,
                     "min_word_freq": min_word_freq, "whole_word_share": whole_word_share, "seconds": round(time.time() - started)},
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    log(f"wrote {out_dir} ({os.path.getsize(onnx_path) / 1e6:.1f} MB model)")
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs")
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--id", default="text-encoder")
    ap.add_argument("--version", default="1")
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--vocab-size", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--description", default="")
    args = ap.parse_args()
    with open(args.pairs, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    train_text_encoder([(r["query"], r["text"]) for r in rows], args.out_dir, args.seed, encoder_id=args.id,
                       version=args.version, dim=args.dim, vocab_size=args.vocab_size, epochs=args.epochs,
                       description=args.description)


if __name__ == "__main__":
    main()
