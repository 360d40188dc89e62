"""A miniature Qwen2.5-VL in PyTorch 1.13 with the medrwr-model/1 ONNX export.

Layout follows Qwen2.5-VL: a ViT over 2x14x14x3 patches with 2-D rotary positions and a 2x2 patch
merger into the text hidden size; a Qwen2 decoder (RMSNorm, GQA, SwiGLU, untied lm_head) whose
rotary frequencies are split over the (t, h, w) position axes by mrope_section (M-RoPE).
Written from the published architecture; sizes are free so the same code builds the random test
fixture and the small demo model.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import onnx
import torch
import torch.nn.functional as F
from torch import nn

from models.lib.precise_trig import make_trig_precise

IGNORE_INDEX = -100


@dataclass
class TextConfig:
    vocab_size: int
    hidden_size: int = 64
    intermediate_size: int = 128
    num_hidden_layers: int = 2
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    head_dim: int = 16
    rope_theta: float = 1000000.0
    mrope_section: list = field(default_factory=lambda: [2, 3, 3])
    rms_norm_eps: float = 1e-6
    max_position_embeddings: int = 4096

    def __post_init__(self):
        if sum(self.mrope_section) * 2 != self.head_dim:
            raise ValueError(f"mrope_section {self.mrope_section} must sum to head_dim/2 = {self.head_dim // 2}")
        if self.num_attention_heads % self.num_key_value_heads:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")


@dataclass
class VisionConfig:
    hidden_size: int = 32
    depth: int = 2
    num_heads: int = 2
    intermediate_size: int = 64
    out_hidden_size: int = 64
    patch_size: int = 14
    temporal_patch_size: int = 2
    spatial_merge_size: int = 2
    in_channels: int = 3
    rope_theta: float = 10000.0
    rms_norm_eps: float = 1e-6

    @property
    def patch_dim(self) -> int:
        return self.in_channels * self.temporal_patch_size * self.patch_size * self.patch_size


@dataclass
class TokenIds:
    """Ids of the special tokens the model code needs (read them from tokenizer.json)."""
    image_pad: int
    vision_start: int

    @classmethod
    def from_tokenizer(cls, tok) -> "TokenIds":
        return cls(image_pad=tok.token_id("<|image_pad|>"), vision_start=tok.token_id("<|vision_start|>"))


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


def apply_rotary(x, cos, sin):
    return x * cos + rotate_half(x) * sin


# `linear(fan_in, fan_out, bias)` builds a projection: nn.Linear here; the Hugging Face converter
# (models/convert/qwen25vl) passes its own, whose weights are written tensor by tensor after tracing.
class SwiGLU(nn.Module):
    def __init__(self, dim: int, inner: int, bias: bool, linear=nn.Linear):
        super().__init__()
        self.gate_proj = linear(dim, inner, bias)
        self.up_proj = linear(dim, inner, bias)
        self.down_proj = linear(inner, dim, bias)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


# ----------------------------------------------------------------------------------------------
# Vision tower
# ----------------------------------------------------------------------------------------------

def vision_patch_layout(grid_thw, n_patches: int, merge: int):
    """Per patch: image index, frame, row and column in its image's patch grid, for the patchify order of
    onnx-runtime.md §5.3 (each merge x merge window's patches are consecutive rows). Pure tensor ops
    so the ONNX graph computes it for any number of images and patches."""
    n = torch.arange(n_patches, dtype=torch.int64, device=grid_thw.device)
    sizes = grid_thw[:, 0] * grid_thw[:, 1] * grid_thw[:, 2]
    ends = torch.cumsum(sizes, dim=0)
    image = (n.unsqueeze(1) >= ends.unsqueeze(0)).to(torch.int64).sum(1)
    local = n - (ends - sizes)[image]
    h = grid_thw[:, 1][image]
    w = grid_thw[:, 2][image]
    frame = torch.div(local, h * w, rounding_mode="floor")
    r = torch.remainder(local, h * w)
    window = torch.div(r, merge * merge, rounding_mode="floor")
    within = torch.remainder(r, merge * merge)
    windows_per_row = torch.div(w, merge, rounding_mode="floor")
    row = torch.div(window, windows_per_row, rounding_mode="floor") * merge + torch.div(within, merge, rounding_mode="floor")
    col = torch.remainder(window, windows_per_row) * merge + torch.remainder(within, merge)
    return image, frame, row, col


class VisionAttention(nn.Module):
    # `allowed` says which patches see which: whole images here, windows in Qwen2.5-VL's tower (the converter's mask).
    def __init__(self, cfg: VisionConfig, linear=nn.Linear):
        super().__init__()
        self.num_heads = cfg.num_heads
        self.head_dim = cfg.hidden_size // cfg.num_heads
        self.qkv = linear(cfg.hidden_size, 3 * cfg.hidden_size, True)
        self.proj = linear(cfg.hidden_size, cfg.hidden_size, True)

    def forward(self, x, cos, sin, allowed):
        n = x.shape[0]
        q, k, v = self.qkv(x).reshape(n, 3, self.num_heads, self.head_dim).permute(1, 2, 0, 3).unbind(0)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        scores = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(self.head_dim)
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        out = torch.matmul(torch.softmax(scores, dim=-1), v)  # [heads, n, head_dim]
        return self.proj(out.transpose(0, 1).reshape(n, -1))


class VisionBlock(nn.Module):
    # The converter passes its streamed Linear and HF's fixed eps.
    def __init__(self, cfg: VisionConfig, linear=nn.Linear, eps: Optional[float] = None):
        super().__init__()
        eps = cfg.rms_norm_eps if eps is None else eps
        self.norm1 = RMSNorm(cfg.hidden_size, eps)
        self.attn = VisionAttention(cfg, linear)
        self.norm2 = RMSNorm(cfg.hidden_size, eps)
        self.mlp = SwiGLU(cfg.hidden_size, cfg.intermediate_size, True, linear)

    def forward(self, x, cos, sin, allowed):
        x = x + self.attn(self.norm1(x), cos, sin, allowed)
        return x + self.mlp(self.norm2(x))


class PatchMerger(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.window = cfg.hidden_size * cfg.spatial_merge_size ** 2
        self.ln_q = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.fc1 = nn.Linear(self.window, self.window)
        self.fc2 = nn.Linear(self.window, cfg.out_hidden_size)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(self.ln_q(x).reshape(-1, self.window))))


class VisionEncoder(nn.Module):
    """pixel_values [N, 1176] + image_grid_thw [n_images, 3] -> image_features [N/4, text hidden].
    Attention is full within each image and blocked between images, so one call over several
    images equals separate calls concatenated."""

    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.cfg = cfg
        self.patch_embed = nn.Linear(cfg.patch_dim, cfg.hidden_size, bias=False)  # == Conv3d, stride = kernel
        self.blocks = nn.ModuleList([VisionBlock(cfg) for _ in range(cfg.depth)])
        self.merger = PatchMerger(cfg)
        rot_dim = cfg.hidden_size // cfg.num_heads // 2  # half the head dim for rows, half for columns
        self.register_buffer("inv_freq", 1.0 / cfg.rope_theta ** (torch.arange(0, rot_dim, 2, dtype=torch.float32) / rot_dim), persistent=False)

    def forward(self, pixel_values, image_grid_thw):
        image, _frame, row, col = vision_patch_layout(image_grid_thw, pixel_values.shape[0], self.cfg.spatial_merge_size)
        freqs = torch.cat((row.unsqueeze(1).float() * self.inv_freq, col.unsqueeze(1).float() * self.inv_freq), dim=1)
        emb = torch.cat((freqs, freqs), dim=1)
        cos, sin = emb.cos().unsqueeze(0), emb.sin().unsqueeze(0)  # [1, N, head_dim]
        allowed = (image.unsqueeze(1) == image.unsqueeze(0)).unsqueeze(0)
        x = self.patch_embed(pixel_values)
        for block in self.blocks:
            x = block(x, cos, sin, allowed)
        return self.merger(x)


# ----------------------------------------------------------------------------------------------
# Text decoder
# ----------------------------------------------------------------------------------------------

class MRoPE(nn.Module):
    """cos/sin [B, 1, S, head_dim] from position_ids [3, B, S]: frequency pair j takes its position
    from axis t, h or w according to mrope_section, in both halves of the head (the layout HF's
    apply_multimodal_rotary_pos_emb produces with rotate_half)."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        half = cfg.head_dim // 2
        self.register_buffer("inv_freq", 1.0 / cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim), persistent=False)
        axis = torch.cat([torch.full((n,), a, dtype=torch.int64) for a, n in enumerate(cfg.mrope_section)])
        self.register_buffer("select", F.one_hot(axis, 3).t().float().reshape(3, 1, 1, half), persistent=False)

    def forward(self, position_ids):
        freqs = (position_ids.float().unsqueeze(-1) * self.inv_freq * self.select).sum(0)  # [B, S, half]
        emb = torch.cat((freqs, freqs), dim=-1).unsqueeze(1)
        return emb.cos(), emb.sin()


class TextAttention(nn.Module):
    def __init__(self, cfg: TextConfig, linear=nn.Linear):
        super().__init__()
        self.nh, self.nkv, self.hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
        self.q_proj = linear(cfg.hidden_size, self.nh * self.hd, True)
        self.k_proj = linear(cfg.hidden_size, self.nkv * self.hd, True)
        self.v_proj = linear(cfg.hidden_size, self.nkv * self.hd, True)
        self.o_proj = linear(self.nh * self.hd, cfg.hidden_size, False)

    def _repeat_kv(self, x):
        b, _, t, _ = x.shape
        rep = self.nh // self.nkv
        return x.unsqueeze(2).expand(b, self.nkv, rep, t, self.hd).reshape(b, self.nh, t, self.hd)

    def forward(self, x, cos, sin, allowed, past_k, past_v):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        k = torch.cat((past_k, k), dim=2)
        v = torch.cat((past_v, v), dim=2)
        scores = torch.matmul(q, self._repeat_kv(k).transpose(2, 3)) / math.sqrt(self.hd)
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        out = torch.matmul(torch.softmax(scores, dim=-1), self._repeat_kv(v))
        return self.o_proj(out.transpose(1, 2).reshape(b, s, self.nh * self.hd)), k, v


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TextConfig, linear=nn.Linear):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = TextAttention(cfg, linear)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.mlp = SwiGLU(cfg.hidden_size, cfg.intermediate_size, False, linear)

    def forward(self, x, cos, sin, allowed, past_k, past_v):
        h, k, v = self.self_attn(self.input_layernorm(x), cos, sin, allowed, past_k, past_v)
        x = x + h
        return x + self.mlp(self.post_attention_layernorm(x)), k, v


class TextDecoder(nn.Module):
    """inputs_embeds [B,S,H], attention_mask [B,P+S], position_ids [3,B,S], past [(k, v)] * L
    -> logits [B,S,V], presents [(k, v)] * L with k, v [B, kv_heads, P+S, head_dim]."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.cfg = cfg
        self.rope = MRoPE(cfg)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.lm_head = nn.Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

    def empty_past(self, batch: int):
        z = torch.zeros(batch, self.cfg.num_key_value_heads, 0, self.cfg.head_dim)
        return [(z, z) for _ in range(self.cfg.num_hidden_layers)]

    def forward(self, inputs_embeds, attention_mask, position_ids, past=None, head: bool = True):
        """head=False returns the final normed hidden states instead of logits (training picks the rows it needs)."""
        if past is None:
            past = self.empty_past(inputs_embeds.shape[0])
        s = inputs_embeds.shape[1]
        total = attention_mask.shape[1]
        q_pos = torch.arange(s, dtype=torch.int64) + (total - s)
        causal = torch.arange(total, dtype=torch.int64).unsqueeze(0) <= q_pos.unsqueeze(1)  # [S, T]
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask == 1).unsqueeze(1).unsqueeze(1)
        cos, sin = self.rope(position_ids)
        x = inputs_embeds
        presents = []
        for layer, (pk, pv) in zip(self.layers, past):
            x, k, v = layer(x, cos, sin, allowed, pk, pv)
            presents.append((k, v))
        return (self.lm_head(self.norm(x)) if head else self.norm(x)), presents


# ----------------------------------------------------------------------------------------------
# Whole model, M-RoPE position ids, training helpers
# ----------------------------------------------------------------------------------------------

def get_rope_index(input_ids, token_ids: TokenIds, image_grid_thw=None, attention_mask=None, spatial_merge_size: int = 2):
    """3-axis M-RoPE positions (onnx-runtime.md §5.6), images only.

    input_ids [B, S] int64; image_grid_thw [n_images, 3] for the images in order of appearance
    (across the batch); attention_mask [B, S] (1 = real token; padded slots get position 1 as HF).
    Each image is a run of t*h*w/merge^2 `<|image_pad|>` tokens. Returns (position_ids [3, B, S]
    int64, rope_deltas [B] int64) with rope_delta = max(position) + 1 - number of real tokens."""
    input_ids = torch.as_tensor(input_ids, dtype=torch.int64)
    b, s = input_ids.shape
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    grids = [] if image_grid_thw is None else [tuple(int(v) for v in g) for g in torch.as_tensor(image_grid_thw)]
    position_ids = torch.ones(3, b, s, dtype=torch.int64)
    deltas = torch.zeros(b, dtype=torch.int64)
    next_image = 0
    for i in range(b):
        keep = attention_mask[i] == 1
        ids = input_ids[i][keep].tolist()
        t_pos, h_pos, w_pos = [], [], []
        st = k = 0
        while k < len(ids):
            if ids[k] != token_ids.image_pad:
                t_pos.append(st)
                h_pos.append(st)
                w_pos.append(st)
                st += 1
                k += 1
                continue
            if next_image >= len(grids):
                raise ValueError("more <|image_pad|> runs than rows in image_grid_thw")
            gt, gh, gw = grids[next_image]
            next_image += 1
            lh, lw = gh // spatial_merge_size, gw // spatial_merge_size
            count = gt * lh * lw
            if ids[k:k + count] != [token_ids.image_pad] * count:
                raise ValueError(f"image {next_image - 1} needs {count} consecutive <|image_pad|> tokens")
            for ti in range(gt):
                for r in range(lh):
                    for c in range(lw):
                        t_pos.append(st + ti)
                        h_pos.append(st + r)
                        w_pos.append(st + c)
            st = max(st + gt - 1, st + lh - 1, st + lw - 1) + 1
            k += count
        pos = torch.tensor([t_pos, h_pos, w_pos], dtype=torch.int64)
        position_ids[:, i, keep] = pos
        deltas[i] = (int(pos.max()) + 1 - len(ids)) if len(ids) else 0
    if next_image != len(grids):
        raise ValueError(f"image_grid_thw has {len(grids)} rows but the ids hold {next_image} images")
    return position_ids, deltas


class QwenVLMini(nn.Module):
    def __init__(self, text: TextConfig, vision: VisionConfig, token_ids: TokenIds):
        super().__init__()
        if vision.out_hidden_size != text.hidden_size:
            raise ValueError("vision out_hidden_size must equal the text hidden_size")
        self.text_config, self.vision_config, self.token_ids = text, vision, token_ids
        self.visual = VisionEncoder(vision)
        self.embed_tokens = nn.Embedding(text.vocab_size, text.hidden_size)
        self.decoder = TextDecoder(text)

    def build_inputs_embeds(self, input_ids, pixel_values=None, image_grid_thw=None):
        """Embed the ids, then overwrite the `<|image_pad|>` rows, in order, with the image features."""
        embeds = self.embed_tokens(input_ids)
        mask = input_ids == self.token_ids.image_pad
        n_pad = int(mask.sum())
        if pixel_values is None:
            if n_pad:
                raise ValueError(f"{n_pad} <|image_pad|> tokens but no pixel_values")
            return embeds
        features = self.visual(pixel_values, image_grid_thw)
        if features.shape[0] != n_pad:
            raise ValueError(f"{features.shape[0]} image features for {n_pad} <|image_pad|> tokens")
        return embeds.masked_scatter(mask.unsqueeze(-1), features.to(embeds.dtype))

    def forward(self, input_ids, attention_mask=None, pixel_values=None, image_grid_thw=None, labels=None,
                position_ids=None, past=None):
        """Full forward. labels [B, S] (IGNORE_INDEX = -100 where no loss, e.g. prompt, retrieved
        text, padding) gives `loss`: mean next-token cross-entropy over the labelled targets."""
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        if position_ids is None:
            position_ids, _ = get_rope_index(input_ids, self.token_ids, image_grid_thw, attention_mask,
                                             self.vision_config.spatial_merge_size)
        embeds = self.build_inputs_embeds(input_ids, pixel_values, image_grid_thw)
        logits, presents = self.decoder(embeds, attention_mask, position_ids, past)
        out = {"logits": logits, "presents": presents, "position_ids": position_ids}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1),
                                          ignore_index=IGNORE_INDEX)
        return out

    @torch.no_grad()
    def greedy_full_recompute(self, input_ids, pixel_values=None, image_grid_thw=None, steps: int = 10):
        """Greedy decoding that re-runs the whole sequence at every step (the reference the
        KV-cached engine must match). Returns (new token ids, last-position logits per step)."""
        ids = torch.as_tensor(input_ids, dtype=torch.int64).reshape(1, -1)
        tokens, step_logits = [], []
        for _ in range(steps):
            last = self(ids, pixel_values=pixel_values, image_grid_thw=image_grid_thw)["logits"][0, -1]
            nxt = int(torch.argmax(last))
            tokens.append(nxt)
            step_logits.append(last)
            ids = torch.cat((ids, torch.tensor([[nxt]])), dim=1)
        return tokens, step_logits


def init_random_(model: nn.Module, seed: int, logit_scale: float = 3.0) -> None:
    """Deterministic random weights with enough spread that greedy argmax is not a near-tie."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight") or ".norm" in name or "layernorm" in name or "ln_q" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.02 * torch.randn(p.shape, generator=gen))
            elif name == "embed_tokens.weight":
                p.copy_(torch.randn(p.shape, generator=gen))
            elif name == "decoder.lm_head.weight":
                p.copy_(logit_scale / math.sqrt(p.shape[1]) * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))


# ----------------------------------------------------------------------------------------------
# ONNX export (names and dtypes of models/../briefs model-package.md and onnx-runtime.md §1.2)
# ----------------------------------------------------------------------------------------------

class _VisionGraph(nn.Module):
    def __init__(self, model: QwenVLMini):
        super().__init__()
        self.visual = model.visual

    def forward(self, pixel_values, image_grid_thw):
        return self.visual(pixel_values, image_grid_thw)


class _EmbedGraph(nn.Module):
    def __init__(self, model: QwenVLMini):
        super().__init__()
        self.embed_tokens = model.embed_tokens

    def forward(self, input_ids):
        return self.embed_tokens(input_ids)


class _DecoderGraph(nn.Module):
    def __init__(self, model: QwenVLMini):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, inputs_embeds, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.decoder(inputs_embeds, attention_mask, position_ids, past)
        return (logits,) + tuple(t for kv in presents for t in kv)


def export_onnx(model: QwenVLMini, onnx_dir: str | Path, opset: int = 17) -> dict[str, Path]:
    """Write vision_encoder.onnx, embed_tokens.onnx, decoder_model_merged.onnx (fp32) into onnx_dir.
    Traced with batch 2, 2 images, past 3 so no dynamic size is frozen to 0 or 1."""
    onnx_dir = Path(onnx_dir)
    onnx_dir.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    tc, vc = model.text_config, model.vision_config
    paths = {k: onnx_dir / f"{k}.onnx" for k in ("vision_encoder", "embed_tokens", "decoder_model_merged")}
    with torch.no_grad():
        grid = torch.tensor([[1, 4, 4], [1, 2, 6]], dtype=torch.int64)
        pixels = torch.randn(int(grid.prod(-1).sum()), vc.patch_dim)
        torch.onnx.export(_VisionGraph(model), (pixels, grid), str(paths["vision_encoder"]), opset_version=opset,
                          input_names=["pixel_values", "image_grid_thw"], output_names=["image_features"],
                          dynamic_axes={"pixel_values": {0: "num_patches"}, "image_grid_thw": {0: "num_images"},
                                        "image_features": {0: "num_image_tokens"}})
        ids = torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int64)
        torch.onnx.export(_EmbedGraph(model), (ids,), str(paths["embed_tokens"]), opset_version=opset,
                          input_names=["input_ids"], output_names=["inputs_embeds"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "inputs_embeds": {0: "batch_size", 1: "sequence_length"}})
        b, s, p = 2, 3, 4
        past_names, present_names, kv_axes, flat_past = kv_cache_io(tc, b, p, torch.randn)
        axes = {
            "inputs_embeds": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {1: "batch_size", 2: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"},
            **kv_axes,
        }
        args = (torch.randn(b, s, tc.hidden_size), torch.ones(b, p + s, dtype=torch.int64),
                torch.arange(p, p + s).expand(3, b, s).contiguous(), *flat_past)
        torch.onnx.export(_DecoderGraph(model), args, str(paths["decoder_model_merged"]), opset_version=opset,
                          input_names=["inputs_embeds", "attention_mask", "position_ids", *past_names],
                          output_names=["logits", *present_names], dynamic_axes=axes)
    for path in paths.values():  # the rotary angles' sin/cos alike on every execution provider
        graph = onnx.load(str(path))
        if make_trig_precise(graph):
            onnx.save_model(graph, str(path))
    return paths


def kv_cache_io(tc: TextConfig, batch: int, past: int, make=torch.zeros) -> tuple[list, list, dict, list]:
    """The decoder graph's KV cache: past and present names, layer by layer (key, then value), their dynamic axes, and
    example past tensors of `past` positions for tracing."""
    past_names, present_names, axes, tensors = [], [], {}, []
    for i in range(tc.num_hidden_layers):
        for kind in ("key", "value"):
            past_names.append(f"past_key_values.{i}.{kind}")
            present_names.append(f"present.{i}.{kind}")
            axes[past_names[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            axes[present_names[-1]] = {0: "batch_size", 2: "total_sequence_length"}
            tensors.append(make(batch, tc.num_key_value_heads, past, tc.head_dim))
    return past_names, present_names, axes, tensors


def configs_to_json(text: TextConfig, vision: VisionConfig) -> tuple[dict, dict]:
    """text_config / vision_config blocks for manifest.json."""
    t = asdict(text)
    v = {k: getattr(vision, k) for k in ("patch_size", "temporal_patch_size", "spatial_merge_size", "in_channels",
                                         "hidden_size", "out_hidden_size", "depth", "num_heads")}
    return t, v
