"""Reads and writes .safetensors files (8-byte little-endian header length, JSON header, raw little-endian tensors)
with numpy only: Debian has no `safetensors` package, and the published checkpoints come in this format."""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32, "I8": np.int8, "U8": np.uint8}


def _bf16_to_f32(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << 16).view(np.float32)


def read_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of one file as a numpy array (bf16 widened to fp32); memory-mapped, so a 2 GB file costs little."""
    path = Path(path)
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = data[begin:end]
        if info["dtype"] == "BF16":
            arr = _bf16_to_f32(raw.view(np.uint16))
        elif info["dtype"] in _DTYPES:
            arr = raw.view(_DTYPES[info["dtype"]])
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, which this reader does not know")
        out[name] = arr.reshape(info["shape"])
    return out


def read_checkpoint(folder: str | Path) -> dict[str, np.ndarray]:
    """All tensors of a Hugging Face folder: model.safetensors, or the shards its index names."""
    folder = Path(folder)
    index = folder / "model.safetensors.index.json"
    if index.exists():
        files = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    elif (folder / "model.safetensors").exists():
        files = ["model.safetensors"]
    elif (folder / "pytorch_model.bin").exists():
        # Some releases (BGE-M3 among them) also ship a torch pickle; weights only, never arbitrary objects.
        import torch
        state = torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)
        return {k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()}
    else:
        raise FileNotFoundError(f"{folder}: no model.safetensors (or its index) and no pytorch_model.bin")
    out = {}
    for f in files:
        out.update(read_safetensors(folder / f))
    return out


def write_safetensors(path: str | Path, tensors: dict[str, np.ndarray]) -> None:
    """Deterministic: tensors in name order, header padded to 8 bytes as the reference writer does."""
    names = sorted(tensors)
    rev = {v: k for k, v in _DTYPES.items()}
    header, offset = {}, 0
    for name in names:
        arr = np.ascontiguousarray(tensors[name])
        header[name] = {"dtype": rev[arr.dtype.type], "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in names:
            f.write(np.ascontiguousarray(tensors[name]).astype(tensors[name].dtype.newbyteorder("<"), copy=False).tobytes())
