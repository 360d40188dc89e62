"""Qwen2.5-VL as the published checkpoints run it (HF transformers v4.49 `modeling_qwen2_5_vl.py`, real-model.md §2),
written for export: every projection is a MatMul by a [in, out] weight (the form ONNX quantizers rewrite to
MatMulNBits), and parameter names are the checkpoint's own (`visual.blocks.0.attn.qkv.weight`, `model.layers.0...`,
`lm_head.weight`), so an initializer in the ONNX graph is traceable to its tensor in the safetensors.

Shared with the demo model (models/lib/qwen_vl_mini.py): RMSNorm, the rotary helpers, M-RoPE and TextConfig.
What the demo model does not have and this adds: window attention in the vision tower.

Window attention. HF reorders the patches so that each window (window_size px = 8x8 patches = 4x4 merged tokens,
edge windows smaller) is contiguous, runs varlen attention over cu_window_seqlens, and undoes the order after the
merger. Attention restricted by a mask is permutation-equivariant, and the reordering moves whole 2x2 merge groups, so
masking each block to "same image, same frame, same window" (and "same image, same frame" in the
fullatt_block_indexes blocks, HF's cu_seqlens) computes the same features without permuting anything: one graph for
any number of images of any sizes, all computed from image_grid_thw inside the graph.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from models.lib import qwen_vl_mini as mini
from models.lib.qwen_vl_mini import MRoPE, RMSNorm, TextConfig, VisionConfig


@dataclass
class VisionConfig25(VisionConfig):
    window_size: int = 112
    fullatt_block_indexes: list = field(default_factory=list)

    def __post_init__(self):
        if self.hidden_size % self.num_heads:
            raise ValueError(f"vision hidden_size {self.hidden_size} is not a multiple of num_heads {self.num_heads}")
        if self.window_size % (self.patch_size * self.spatial_merge_size):
            raise ValueError(f"window_size {self.window_size} is not a multiple of patch_size x spatial_merge_size")
        bad = [i for i in self.fullatt_block_indexes if not 0 <= i < self.depth]
        if bad:
            raise ValueError(f"fullatt_block_indexes {bad} are outside the {self.depth} vision blocks")

    @property
    def merged_window(self) -> int:
        """Window side in merged tokens (HF's vit_merger_window_size; 4 for 112 px)."""
        return self.window_size // self.spatial_merge_size // self.patch_size


def placeholder(*shape: int) -> nn.Parameter:
    """A parameter of the right shape that costs no memory (one zero, broadcast): the export traces the graph with
    these and writes the real tensors afterwards, one at a time."""
    return nn.Parameter(torch.zeros(()).expand(*shape), requires_grad=False)


class Linear(nn.Module):
    """y = x @ weight (+ bias), weight [in, out]: the checkpoint's [out, in] transposed once at conversion."""

    def __init__(self, fan_in: int, fan_out: int, bias: bool):
        super().__init__()
        self.weight = placeholder(fan_in, fan_out)
        self.bias = placeholder(fan_out) if bias else None

    def forward(self, x):
        y = torch.matmul(x, self.weight)
        return y + self.bias if self.bias is not None else y


def SwiGLU(dim: int, inner: int, bias: bool) -> nn.Module:
    return mini.SwiGLU(dim, inner, bias, Linear)


# ----------------------------------------------------------------------------------------------
# Vision tower
# ----------------------------------------------------------------------------------------------

def VisionBlock(cfg: VisionConfig25) -> nn.Module:
    # The attention is the demo model's: windows live in the mask VisionTower builds. HF fixes the vision eps at 1e-6.
    return mini.VisionBlock(cfg, Linear, eps=1e-6)


class PatchEmbed(nn.Module):
    def __init__(self, cfg: VisionConfig25):
        super().__init__()
        self.proj = Linear(cfg.patch_dim, cfg.hidden_size, bias=False)  # Conv3d with stride = kernel, flattened

    def forward(self, x):
        return self.proj(x)


class PatchMerger(nn.Module):
    def __init__(self, cfg: VisionConfig25):
        super().__init__()
        self.width = cfg.hidden_size * cfg.spatial_merge_size ** 2
        self.ln_q = RMSNorm(cfg.hidden_size, 1e-6)
        self.mlp = nn.Sequential(Linear(self.width, self.width, True), nn.GELU(), Linear(self.width, cfg.out_hidden_size, True))

    def forward(self, x):
        return self.mlp(self.ln_q(x).reshape(-1, self.width))


class VisionTower(nn.Module):
    """pixel_values [N, C*T*P*P] + image_grid_thw [n_images, 3] -> image_features [N / merge^2, out_hidden]."""

    def __init__(self, cfg: VisionConfig25, force_full_attention: bool = False):
        super().__init__()
        self.cfg = cfg
        # Debug only: every block attends over the whole frame (the parity test shows the fixture tells them apart).
        self.full = set(range(cfg.depth)) if force_full_attention else set(cfg.fullatt_block_indexes)
        self.patch_embed = PatchEmbed(cfg)
        self.blocks = nn.ModuleList([VisionBlock(cfg) for _ in range(cfg.depth)])
        self.merger = PatchMerger(cfg)
        rot = cfg.hidden_size // cfg.num_heads // 2  # half the head's pairs follow the row, half the column
        self.register_buffer("inv_freq", 1.0 / cfg.rope_theta ** (torch.arange(0, rot, 2, dtype=torch.float32) / rot), persistent=False)

    def forward(self, pixel_values, image_grid_thw):
        m = self.cfg.spatial_merge_size
        image, frame, row, col = mini.vision_patch_layout(image_grid_thw, pixel_values.shape[0], m)
        freqs = torch.cat((row.unsqueeze(1).float() * self.inv_freq, col.unsqueeze(1).float() * self.inv_freq), dim=1)
        emb = torch.cat((freqs, freqs), dim=1)
        cos, sin = emb.cos().unsqueeze(0), emb.sin().unsqueeze(0)
        same_frame = (image.unsqueeze(1) == image.unsqueeze(0)) & (frame.unsqueeze(1) == frame.unsqueeze(0))
        span = m * self.cfg.merged_window  # window side in patches
        wr, wc = torch.div(row, span, rounding_mode="floor"), torch.div(col, span, rounding_mode="floor")
        same_window = same_frame & (wr.unsqueeze(1) == wr.unsqueeze(0)) & (wc.unsqueeze(1) == wc.unsqueeze(0))
        full, windowed = same_frame.unsqueeze(0), same_window.unsqueeze(0)
        x = self.patch_embed(pixel_values)
        for i, block in enumerate(self.blocks):
            x = block(x, cos, sin, full if i in self.full else windowed)
        return self.merger(x)


# ----------------------------------------------------------------------------------------------
# Text decoder
# ----------------------------------------------------------------------------------------------

class TextBody(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.layers = nn.ModuleList([mini.DecoderLayer(cfg, Linear) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


class EmbedHolder(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size, _weight=placeholder(cfg.vocab_size, cfg.hidden_size))


# ----------------------------------------------------------------------------------------------
# The three graphs of the package (onnx-runtime.md §1.2; names the engine feeds)
# ----------------------------------------------------------------------------------------------

class VisionGraph(nn.Module):
    def __init__(self, cfg: VisionConfig25, force_full_attention: bool = False):
        super().__init__()
        self.visual = VisionTower(cfg, force_full_attention)

    def forward(self, pixel_values, image_grid_thw):
        return self.visual(pixel_values, image_grid_thw)


class EmbedGraph(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.model = EmbedHolder(cfg)

    def forward(self, input_ids):
        return self.model.embed_tokens(input_ids)


class DecoderGraph(nn.Module):
    """inputs_embeds [B,S,H], attention_mask [B,P+S], position_ids [3,B,S], num_logits_to_keep int64 scalar, past
    -> logits [B, K, V] (K = the last num_logits_to_keep positions; 0 keeps all, as HF), presents."""

    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.cfg = cfg
        self.rope = MRoPE(cfg)
        self.model = TextBody(cfg)
        self.lm_head = Linear(cfg.hidden_size, cfg.vocab_size, bias=False)

    def forward(self, inputs_embeds, attention_mask, position_ids, num_logits_to_keep, *flat_past):
        s = inputs_embeds.shape[1]
        total = attention_mask.shape[1]
        q_pos = torch.arange(s, dtype=torch.int64) + (total - s)
        causal = torch.arange(total, dtype=torch.int64).unsqueeze(0) <= q_pos.unsqueeze(1)
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask == 1).unsqueeze(1).unsqueeze(1)
        cos, sin = self.rope(position_ids)
        x = inputs_embeds
        presents = []
        for i, layer in enumerate(self.model.layers):
            x, k, v = layer(x, cos, sin, allowed, flat_past[2 * i], flat_past[2 * i + 1])
            presents += [k, v]
        start = (s - num_logits_to_keep) * (num_logits_to_keep > 0).to(torch.int64)
        x = x.index_select(1, torch.arange(start, s))  # only the rows whose logits are wanted reach lm_head
        return (self.lm_head(self.model.norm(x)), *presents)


def source_of(param: str, shape: tuple[int, ...], tied: bool, vision: VisionConfig25) -> tuple[str, tuple[int, ...], str]:
    """For a graph parameter: the checkpoint tensor it comes from, that tensor's expected shape, and the transform
    ('as_is', 'transpose' for a Linear's [out, in], 'conv' for the Conv3d patch embedding)."""
    if param == "visual.patch_embed.proj.weight":
        v = vision
        return param, (v.hidden_size, v.in_channels, v.temporal_patch_size, v.patch_size, v.patch_size), "conv"
    if param == "lm_head.weight" and tied:
        return "model.embed_tokens.weight", (shape[1], shape[0]), "transpose"
    if param.endswith(".weight") and len(shape) == 2 and param != "model.embed_tokens.weight":
        return param, (shape[1], shape[0]), "transpose"
    return param, shape, "as_is"
