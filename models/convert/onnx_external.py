"""Initializer I/O for graph transforms that must not hold a whole graph's weights: `TensorStore`.

A graph loaded with `onnx.load(path, load_external_data=False)` keeps, for each external initializer, only its file,
offset and length. The store reads one such tensor at a time straight from its data file, writes each new tensor to
one output data file as soon as it is made (so only its reference stays in the graph), and at the end copies the
initializers the transform kept into that same file. Peak memory is then about the largest tensor and whatever the
transform computes from it, not the graph. Without an output file it is the plain in-memory `numpy_helper` path
(graphs that fit in one protobuf), so a transform has one way to read and make weights.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, mapping, numpy_helper

ALIGN = 4096  # tensors start on a page boundary, so ONNX Runtime can map them
INLINE_BELOW = 1024  # bytes; smaller tensors stay in the graph (as onnx.save's size_threshold)
COPY_CHUNK = 1 << 26


def is_external(t: TensorProto) -> bool:
    return t.data_location == TensorProto.EXTERNAL


def _entries(t: TensorProto) -> dict[str, str]:
    return {e.key: e.value for e in t.external_data}


class TensorStore:
    """`src_dir`: where the source graph's relative `location`s point. `out`: the data file new tensors go to (None:
    in memory). `absolute`: record `out` by absolute path (an intermediate file another store reads back)."""

    def __init__(self, src_dir: str | Path | None = None, out: str | Path | None = None, *, absolute: bool = False):
        self.src_dir = Path(src_dir) if src_dir is not None else None
        self.out = Path(out) if out is not None else None
        self.location = (str(self.out.resolve()) if absolute else self.out.name) if self.out else ""
        self._f = open(self.out, "wb") if self.out else None
        self._written: set[str] = set()

    def __enter__(self) -> "TensorStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._f:
            self._f.close()
            self._f = None

    def _path(self, t: TensorProto) -> Path:
        loc = _entries(t).get("location", "")
        if not loc:
            raise ValueError(f"initializer {t.name} is external but names no file")
        p = Path(loc)
        if not p.is_absolute():
            if self.src_dir is None:
                raise ValueError(f"initializer {t.name} is in {loc}, but no folder was given to read it from")
            p = self.src_dir / p
        return p

    def read(self, t: TensorProto) -> np.ndarray:
        """The initializer's values; an external one read from its file by offset and length, nothing else loaded."""
        if not is_external(t):
            return numpy_helper.to_array(t)
        e = _entries(t)
        dtype = np.dtype(mapping.TENSOR_TYPE_TO_NP_TYPE[t.data_type])  # onnx 1.12 (Debian)
        count = int(np.prod(t.dims, dtype=np.int64))
        offset, length = int(e.get("offset", 0)), int(e.get("length", count * dtype.itemsize))
        path = self._path(t)
        if length != count * dtype.itemsize:
            raise ValueError(f"initializer {t.name}: {path.name} gives {length} bytes for {count} values of {dtype}")
        arr = np.fromfile(path, dtype=dtype, count=count, offset=offset)
        if arr.size != count:
            raise ValueError(f"initializer {t.name}: {path} is truncated ({arr.size} of {count} values at offset {offset})")
        return arr.reshape(tuple(t.dims))

    def _append(self, data: memoryview | bytes) -> tuple[int, int]:
        assert self._f is not None
        pos = self._f.tell()
        if pos % ALIGN:
            self._f.write(b"\0" * (ALIGN - pos % ALIGN))
            pos = self._f.tell()
        self._f.write(data)
        return pos, len(data)

    def _point(self, t: TensorProto, offset: int, length: int) -> None:
        del t.external_data[:]
        t.data_location = TensorProto.EXTERNAL
        for k, v in (("location", self.location), ("offset", str(offset)), ("length", str(length))):
            t.external_data.add(key=k, value=v)
        self._written.add(t.name)

    def make(self, arr: np.ndarray, name: str) -> TensorProto:
        """A new initializer; with an output file, its bytes are written there now and only the reference is kept."""
        if self._f is None or arr.nbytes < INLINE_BELOW:
            return numpy_helper.from_array(arr, name)
        arr = np.ascontiguousarray(arr)
        if arr.dtype.byteorder == ">":
            arr = arr.astype(arr.dtype.newbyteorder("<"))
        t = TensorProto(name=name, data_type=mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype], dims=arr.shape)
        self._point(t, *self._append(memoryview(arr.reshape(-1)).cast("B")))
        return t

    def carry(self, model: onnx.ModelProto) -> None:
        """Copies every external initializer the transform kept (still pointing at another file) into the output file."""
        if self._f is None:
            return
        for t in model.graph.initializer:
            if not is_external(t) or t.name in self._written:
                continue
            e = _entries(t)
            offset, length = int(e.get("offset", 0)), int(e["length"])
            start, _ = self._append(b"")  # aligned
            with open(self._path(t), "rb") as src:
                src.seek(offset)
                left = length
                while left:
                    chunk = src.read(min(COPY_CHUNK, left))
                    if not chunk:
                        raise ValueError(f"initializer {t.name}: {self._path(t)} is truncated")
                    self._f.write(chunk)
                    left -= len(chunk)
            self._point(t, start, length)
