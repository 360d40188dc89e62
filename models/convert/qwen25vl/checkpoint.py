"""A Hugging Face Qwen2.5-VL folder, read lazily: config.json (flat, as transformers 4.49-4.51 save it, or with a
nested `text_config`, as later versions do), the safetensors headers of `model.safetensors` or of the shards an
index names, and one tensor at a time on demand (bf16 and fp16 widened to fp32). Nothing here holds more than the
tensor being read, so a 16 GB checkpoint is converted in a few GB of memory.

Every refusal names the file and the cause (CheckpointError)."""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.lib.qwen_vl_mini import TextConfig

from .model import VisionConfig25

# Files the converter reads (tokenizer.json is required, the rest copied when present).
HF_CONFIG_FILES = ("config.json", "generation_config.json", "preprocessor_config.json", "tokenizer_config.json",
                   "tokenizer.json", "chat_template.json", "vocab.json", "merges.txt")
_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (np.uint16, 2)}
_MAX_HEADER = 100 << 20  # a safetensors header larger than this is not one
_READ_CHUNK = 64 << 20


class CheckpointError(ValueError):
    """A checkpoint the converter refuses; the message names the file and the cause."""


@dataclass(frozen=True)
class TensorEntry:
    name: str  # as in the file
    file: Path
    dtype: str
    shape: tuple[int, ...]
    start: int  # absolute byte offset in the file
    nbytes: int


@dataclass
class HfConfig:
    text: TextConfig
    vision: VisionConfig25
    tie_word_embeddings: bool
    token_ids: dict[str, int]  # image_token_id, video_token_id, vision_start_token_id, vision_end_token_id
    raw: dict


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (a Hugging Face Qwen2.5-VL folder has config.json, the safetensors and tokenizer.json)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None


def read_config(folder: Path) -> HfConfig:
    path = folder / "config.json"
    cfg = _read_json(path)
    model_type = cfg.get("model_type")
    arch = cfg.get("architectures") or []
    if model_type != "qwen2_5_vl":
        hint = " (Qwen2-VL has no window attention and a different vision tower; only Qwen2.5-VL is supported)" if model_type == "qwen2_vl" else ""
        raise CheckpointError(f"{path}: model_type is {model_type!r}, architectures {arch}; this converter takes Qwen2.5-VL "
                              f"(model_type 'qwen2_5_vl', Qwen2_5_VLForConditionalGeneration){hint}")
    text = cfg.get("text_config") or cfg  # nested (transformers >= 4.52) or flat (4.49-4.51, the published Med-RwR)
    vis = cfg.get("vision_config")
    if not isinstance(vis, dict):
        raise CheckpointError(f"{path}: no vision_config block")

    def need(block: dict, key: str, where: str):
        if key in block:
            return block[key]
        if key in cfg:
            return cfg[key]
        raise CheckpointError(f"{path}: {where} has no {key!r}")

    rope = need(text, "rope_scaling", "text config") or {}
    section = rope.get("mrope_section")
    if not (isinstance(section, list) and len(section) == 3):
        raise CheckpointError(f"{path}: rope_scaling.mrope_section must be three numbers, is {section!r}")
    hidden, heads = int(need(text, "hidden_size", "text config")), int(need(text, "num_attention_heads", "text config"))
    for where, block in (("text config", text), ("vision_config", vis)):
        act = block.get("hidden_act", "silu")
        if act != "silu":
            raise CheckpointError(f"{path}: {where} hidden_act is {act!r}; Qwen2.5-VL uses 'silu'")
    try:
        tc = TextConfig(
            vocab_size=int(need(text, "vocab_size", "text config")), hidden_size=hidden,
            intermediate_size=int(need(text, "intermediate_size", "text config")),
            num_hidden_layers=int(need(text, "num_hidden_layers", "text config")), num_attention_heads=heads,
            num_key_value_heads=int(need(text, "num_key_value_heads", "text config")), head_dim=hidden // heads,
            rope_theta=float(need(text, "rope_theta", "text config")), mrope_section=[int(s) for s in section],
            rms_norm_eps=float(need(text, "rms_norm_eps", "text config")),
            max_position_embeddings=int(need(text, "max_position_embeddings", "text config")))
        vc = VisionConfig25(
            hidden_size=int(vis["hidden_size"]), depth=int(vis["depth"]), num_heads=int(vis["num_heads"]),
            intermediate_size=int(vis["intermediate_size"]), out_hidden_size=int(vis["out_hidden_size"]),
            patch_size=int(vis.get("patch_size", 14)), temporal_patch_size=int(vis.get("temporal_patch_size", 2)),
            spatial_merge_size=int(vis.get("spatial_merge_size", 2)),
            in_channels=int(vis.get("in_channels", vis.get("in_chans", 3))),
            window_size=int(vis["window_size"]), fullatt_block_indexes=[int(i) for i in vis["fullatt_block_indexes"]])
    except KeyError as e:
        raise CheckpointError(f"{path}: vision_config has no {e.args[0]!r}") from None
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None
    if vc.out_hidden_size != tc.hidden_size:
        raise CheckpointError(f"{path}: vision_config.out_hidden_size {vc.out_hidden_size} differs from the text hidden_size {tc.hidden_size}")
    tie = bool(text.get("tie_word_embeddings", cfg.get("tie_word_embeddings", False)))
    ids = {}
    for k in ("image_token_id", "video_token_id", "vision_start_token_id", "vision_end_token_id"):
        v = cfg.get(k, text.get(k))
        if v is not None:
            ids[k] = int(v)
    return HfConfig(tc, vc, tie, ids, cfg)


def _header(path: Path) -> tuple[dict, int]:
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(f"{path}: truncated ({size} bytes; a safetensors file starts with an 8-byte header length)")
        (n,) = struct.unpack("<Q", head)
        if n > _MAX_HEADER or 8 + n > size:
            raise CheckpointError(f"{path}: truncated or not a safetensors file (header length {n}, file {size} bytes)")
        try:
            header = json.loads(f.read(n))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: safetensors header is not valid JSON ({e})") from None
    return header, 8 + n


class Checkpoint:
    """The folder's tensors by name (names normalised to the 4.49 layout: `visual.*`, `model.*`, `lm_head.*`)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise CheckpointError(f"{self.folder}: not a folder")
        self.config = read_config(self.folder)
        self.tensors: dict[str, TensorEntry] = {}
        for f in self._files():
            self._index_file(f)

    def _files(self) -> list[Path]:
        index = self.folder / "model.safetensors.index.json"
        if index.exists():
            weight_map = _read_json(index).get("weight_map")
            if not isinstance(weight_map, dict) or not weight_map:
                raise CheckpointError(f"{index}: no weight_map")
            files = sorted(set(weight_map.values()))
            for name in files:
                if "/" in name or "\\" in name or name.startswith("."):
                    raise CheckpointError(f"{index}: shard name {name!r} points outside the folder")
                if not (self.folder / name).is_file():
                    raise CheckpointError(f"{self.folder / name}: missing (named by {index.name})")
            self._weight_map = weight_map
            return [self.folder / n for n in files]
        single = self.folder / "model.safetensors"
        if single.is_file():
            self._weight_map = None
            return [single]
        others = sorted(p.name for p in self.folder.glob("*.bin")) + sorted(p.name for p in self.folder.glob("*.safetensors"))
        raise CheckpointError(f"{self.folder}: no model.safetensors and no model.safetensors.index.json"
                              + (f" (found {', '.join(others)}; only safetensors are read)" if others else ""))

    def _index_file(self, path: Path) -> None:
        header, data_start = _header(path)
        size = path.stat().st_size
        for name, info in header.items():
            if name == "__metadata__":
                continue
            dtype = info.get("dtype")
            if dtype not in _DTYPES:
                raise CheckpointError(f"{path}: tensor {name} has dtype {dtype}; the converter reads BF16, F16 and F32")
            begin, end = info["data_offsets"]
            shape = tuple(int(s) for s in info["shape"])
            if end - begin != int(np.prod(shape, dtype=np.int64)) * _DTYPES[dtype][1]:
                raise CheckpointError(f"{path}: tensor {name} has {end - begin} bytes for shape {list(shape)} {dtype}")
            if data_start + end > size:
                raise CheckpointError(f"{path}: truncated: tensor {name} ends at byte {data_start + end}, the file has {size} bytes "
                                      "(an interrupted download? fetch this shard again)")
            key = normalise_name(name)
            if self._weight_map is not None and self._weight_map.get(name) not in (None, path.name):
                raise CheckpointError(f"{path}: holds {name}, which model.safetensors.index.json places in {self._weight_map[name]}")
            self.tensors[key] = TensorEntry(name, path, dtype, shape, data_start + begin, end - begin)

    def entry(self, name: str) -> TensorEntry:
        e = self.tensors.get(name)
        if e is None:
            raise CheckpointError(f"{self.folder}: no tensor {name} in the safetensors (is this a complete Qwen2.5-VL checkpoint?)")
        return e

    def read(self, name: str) -> np.ndarray:
        """One tensor as float32. bf16 is widened by a 16-bit shift and fp16 cast, chunk by chunk straight into the
        result, so reading the 545 M-parameter embedding costs its fp32 size and no more."""
        e = self.entry(name)
        np_dtype, width = _DTYPES[e.dtype]
        count = e.nbytes // width
        out = np.empty(count, dtype=np.float32)
        step = _READ_CHUNK // width
        with open(e.file, "rb") as f:
            f.seek(e.start)
            for a in range(0, count, step):
                raw = np.fromfile(f, dtype=np_dtype, count=min(step, count - a))
                if raw.size != min(step, count - a):
                    raise CheckpointError(f"{e.file}: truncated while reading {e.name}")
                if e.dtype == "BF16":
                    out.view(np.uint32)[a:a + raw.size] = raw.astype(np.uint32) << 16
                else:
                    out[a:a + raw.size] = raw
        return out.reshape(e.shape)


def normalise_name(name: str) -> str:
    """transformers >= 4.52 saves `model.language_model.*` and `model.visual.*`; the published checkpoints use
    `model.*` and `visual.*`."""
    if name.startswith("model.language_model."):
        return "model." + name[len("model.language_model."):]
    if name.startswith("model.visual."):
        return name[len("model."):]
    return name
