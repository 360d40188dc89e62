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


def to_bf16_bits(arr: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), rounded to nearest even, as torch does."""
    u = np.ascontiguousarray(arr, dtype=np.float32).view(np.uint32)
    return ((u + np.uint32(0x7FFF) + ((u >> 16) & np.uint32(1))) >> 16).astype(np.uint16)


def write_safetensors(path: str | Path, tensors: dict[str, np.ndarray], bf16: bool = False) -> None:
    """Deterministic: tensors in name order, header padded to 8 bytes as the reference writer does. With bf16, float32
    tensors are stored as BF16 (rounded to nearest even), the dtype Qwen2.5-VL checkpoints are published in."""
    specs = {n: ("BF16" if bf16 and a.dtype == np.float32 else _REV[a.dtype.type], tuple(a.shape)) for n, a in tensors.items()}
    write_safetensors_streaming(path, specs, lambda n: tensors[n])


_REV = {v: k for k, v in _DTYPES.items()}
_SIZES = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I8": 1, "U8": 1}


def write_safetensors_streaming(path: str | Path, specs: dict[str, tuple[str, tuple[int, ...]]], produce) -> None:
    """Writes the header from `specs` (name -> (dtype, shape)), then asks `produce(name)` for one tensor at a time, so a
    multi-GB shard is written without holding it. BF16 tensors are given as float32 and rounded here."""
    names = sorted(specs)
    header, offset = {}, 0
    for name in names:
        dtype, shape = specs[name]
        nbytes = int(np.prod(shape, dtype=np.int64)) * _SIZES[dtype]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in names:
            dtype, shape = specs[name]
            arr = np.asarray(produce(name))
            if tuple(arr.shape) != tuple(shape):
                raise ValueError(f"{path}: {name} was declared {list(shape)}, produced {list(arr.shape)}")
            flat = arr.reshape(-1)
            step = 16 << 20  # elements per write: a multi-GB tensor is converted a slice at a time
            for a in range(0, max(flat.size, 1), step):
                part = flat[a:a + step]
                part = to_bf16_bits(part) if dtype == "BF16" else np.ascontiguousarray(part, dtype=_DTYPES[dtype])
                f.write(part.astype(part.dtype.newbyteorder("<"), copy=False).tobytes())
