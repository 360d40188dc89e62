"""XLM-RoBERTa (BGE-M3's architecture) as a sentence encoder, in plain torch: the Hugging Face weight names, CLS
pooling and L2 normalisation, written from the architecture (post-LayerNorm BERT blocks, learned absolute positions
that start after the padding index). No transformers import: it runs on Debian's python3-torch alone."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class XlmrConfig:
    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int = 1
    layer_norm_eps: float = 1e-5
    pad_token_id: int = 1
    hidden_act: str = "gelu"

    @staticmethod
    def from_json(cfg: dict) -> "XlmrConfig":
        if cfg.get("model_type") not in ("xlm-roberta", "roberta", None):
            raise ValueError(f"config.json model_type is {cfg.get('model_type')!r}, not xlm-roberta")
        if cfg.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"hidden_act {cfg['hidden_act']!r} is not supported (XLM-RoBERTa uses gelu)")
        if cfg.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        keys = XlmrConfig.__dataclass_fields__.keys()
        return XlmrConfig(**{k: cfg[k] for k in keys if k in cfg})


class Layer(torch.nn.Module):
    def __init__(self, c: XlmrConfig):
        super().__init__()
        h, i = c.hidden_size, c.intermediate_size
        self.heads = c.num_attention_heads
        self.q, self.k, self.v, self.o = (torch.nn.Linear(h, h) for _ in range(4))
        self.ln1 = torch.nn.LayerNorm(h, eps=c.layer_norm_eps)
        self.up, self.down = torch.nn.Linear(h, i), torch.nn.Linear(i, h)
        self.ln2 = torch.nn.LayerNorm(h, eps=c.layer_norm_eps)

    def forward(self, x, bias):
        b, s, h = x.shape
        d = h // self.heads
        split = lambda t: t.view(b, s, self.heads, d).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
        ctx = (att @ v).transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.o(ctx))
        return self.ln2(x + self.down(torch.nn.functional.gelu(self.up(x))))


class XlmrEncoder(torch.nn.Module):
    """input_ids, attention_mask [batch, seq] int64 -> unit CLS vectors [batch, hidden] float32."""

    def __init__(self, c: XlmrConfig):
        super().__init__()
        self.c = c
        self.word = torch.nn.Embedding(c.vocab_size, c.hidden_size)
        self.pos = torch.nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.tok_type = torch.nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.ln = torch.nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.layers = torch.nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, input_ids, attention_mask):
        mask = attention_mask.to(torch.int64)
        # Positions count real tokens from pad_token_id + 1, as XLM-RoBERTa numbers them; taken from the mask so the
        # pad id used for padding does not matter.
        positions = torch.cumsum(mask, dim=1) * mask + self.c.pad_token_id
        x = self.word(input_ids) + self.pos(positions) + self.tok_type(torch.zeros_like(input_ids))
        x = self.ln(x)
        bias = (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return torch.nn.functional.normalize(x[:, 0], dim=-1)


def _names(i: int) -> dict[str, str]:
    p = f"encoder.layer.{i}."
    return {
        f"layers.{i}.q": p + "attention.self.query", f"layers.{i}.k": p + "attention.self.key",
        f"layers.{i}.v": p + "attention.self.value", f"layers.{i}.o": p + "attention.output.dense",
        f"layers.{i}.ln1": p + "attention.output.LayerNorm", f"layers.{i}.up": p + "intermediate.dense",
        f"layers.{i}.down": p + "output.dense", f"layers.{i}.ln2": p + "output.LayerNorm",
    }


def hf_name_map(c: XlmrConfig) -> dict[str, str]:
    """Our parameter name -> the Hugging Face checkpoint's (XLMRobertaModel, without the `roberta.` prefix)."""
    modules = {"word": "embeddings.word_embeddings", "pos": "embeddings.position_embeddings",
               "tok_type": "embeddings.token_type_embeddings", "ln": "embeddings.LayerNorm"}
    for i in range(c.num_hidden_layers):
        modules.update(_names(i))
    out = {}
    for ours, theirs in modules.items():
        for suffix in ("weight", "bias"):
            out[f"{ours}.{suffix}"] = f"{theirs}.{suffix}"
    return {k: v for k, v in out.items() if not (k.startswith(("word.", "pos.", "tok_type.")) and k.endswith(".bias"))}


def load_hf_weights(model: XlmrEncoder, tensors: dict[str, np.ndarray]) -> None:
    """Copies a checkpoint's tensors into the model; names may carry `roberta.` (XLMRobertaFor… heads) or not."""
    plain = {k[len("roberta."):] if k.startswith("roberta.") else k: v for k, v in tensors.items()}
    state = {}
    for ours, theirs in hf_name_map(model.c).items():
        if theirs not in plain:
            raise KeyError(f"the checkpoint has no tensor {theirs} (nor roberta.{theirs})")
        state[ours] = torch.from_numpy(np.array(plain[theirs], dtype=np.float32))
    model.load_state_dict(state, strict=True)
