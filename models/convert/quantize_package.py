"""Adds dtype variants to a medrwr-model/1 package: `python3 -m models.convert.quantize_package DIR --dtype q4,q4f16,fp16`.

Each variant is made from the package's fp32 graphs and written beside them with transformers.js's suffixes
(`onnx/<graph>_q4.onnx`, `_q4f16`, `_fp16`; a graph over 2 GB keeps its weights in `<file>_data`), then listed in
manifest.json with the sha256 of every file. The files are written into a temporary folder first and the manifest
is replaced last, so a failure leaves the package as it was.

  fp16   every float in fp16, with positions, masks and RMSNorm's square kept in fp32 (fp16_graph.py)
  q4     MatMul/Gemm weights 4-bit (MatMulNBits, symmetric, block 32); activations fp32; embedding per --embed;
         the embedding table, lm_head, the decoder's first and last eighth of layers at 8 bits (mixed_precision.py) unless --uniform
  q4f16  fp16, then q4 (scales in fp16)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import onnx

from models.convert.fp16_graph import to_fp16_graph
from models.convert.mixed_precision import RULE, MixedPrecisionError, eight_bit_weights
from models.convert.onnx_external import TensorStore
from models.convert.quantize import EIGHT_BIT_ACCURACY_LEVEL, to_q4
from models.lib.package import graph_ref

GRAPHS = ("vision_encoder", "embed_tokens", "decoder_model_merged")
SUFFIX = {"fp16": "_fp16", "q4": "_q4", "q4f16": "_q4f16"}
EXTERNAL_OVER = 1_800_000_000  # protobuf's limit is 2 GiB; stay well under it


class PackageError(Exception):
    pass


def transform(model: onnx.ModelProto, dtype: str, *, block: int, embed: str, accuracy_level: int, hessians=None, bits=None,
              store: TensorStore | None = None) -> onnx.ModelProto:
    if dtype == "fp16":
        return to_fp16_graph(model, store)
    if dtype == "q4":
        return to_q4(model, block=block, embed=embed, accuracy_level=accuracy_level, hessians=hessians, bits=bits, store=store)
    if dtype == "q4f16":
        return to_q4(to_fp16_graph(model, store), block=block, embed=embed, accuracy_level=accuracy_level, hessians=hessians, bits=bits,
                     store=store)
    raise PackageError(f'unknown dtype "{dtype}" (known: {", ".join(SUFFIX)})')


def transform_streaming(src: Path, dtype: str, out: Path, **kw) -> onnx.ModelProto:
    """`transform` for a graph with external data, which may be far larger than memory: its weights are read one at a
    time from the fp32 data file and the variant's written one at a time to `<out>_data` (q4f16 goes through an fp16
    intermediate file beside it, deleted after). Returns the graph, whose initializers only point into `<out>_data`."""
    model = onnx.load(str(src), load_external_data=False)
    data = out.with_name(out.name + "_data")
    mid = out.with_name(out.name + ".fp16-intermediate")
    try:
        if dtype == "q4f16":
            with TensorStore(src.parent, mid, absolute=True) as st:
                model = to_fp16_graph(model, st)
            dtype = "q4"
        with TensorStore(src.parent, data) as st:
            model = transform(model, dtype, store=st, **kw)
            st.carry(model)
    finally:
        mid.unlink(missing_ok=True)
    return model


def save(model: onnx.ModelProto, path: Path, external: bool) -> None:
    size = sum(len(t.raw_data) for t in model.graph.initializer)
    if external or size > EXTERNAL_OVER:
        onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + "_data", size_threshold=1024)
    else:
        onnx.save_model(model, str(path))


def uses_external_data(model_path: Path) -> bool:
    m = onnx.load(str(model_path), load_external_data=False)
    return any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer)


def calibration_sequences(root: Path, path: Path, max_tokens: int = 256) -> list[list[int]]:
    """One token sequence per non-empty line of a text file, tokenised with the package's tokenizer.json."""
    from models.lib.bpe_tokenizer import ByteLevelBPE
    tok = ByteLevelBPE.load(root / "tokenizer.json")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if not lines:
        raise PackageError(f"{path} holds no calibration text")
    return [tok.encode_plain(ln)[:max_tokens] for ln in lines]


def quantize_package(package_dir: str | Path, dtypes: list[str], *, block: int = 32, embed: str = "gbq",
                     accuracy_level: int = 0, calibration: Path | None = None, mixed: bool = True, log=print) -> dict:
    root = Path(package_dir).resolve()
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise PackageError(f"no model package at {root}: manifest.json is missing")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise PackageError(f"{manifest_path} is not valid JSON: {e}") from e
    for d in dtypes:
        if d not in SUFFIX:
            raise PackageError(f'unknown dtype "{d}" (known: {", ".join(SUFFIX)}; fp32 is what the package is made from)')
    files = manifest.get("files", {})
    sources = {}
    for g in GRAPHS:
        ref = files.get(g, {}).get("fp32")
        if not ref:
            raise PackageError(f"{manifest_path}: {g} has no fp32 variant to quantize from (has {', '.join(files.get(g, {})) or 'none'})")
        src = (root / ref["path"]).resolve()
        if root not in src.parents or not src.is_file():
            raise PackageError(f"{manifest_path}: {g} fp32 file {ref['path']} is missing or outside the package")
        sources[g] = src

    wide: dict[str, list[str]] = {}
    if mixed and any(d.startswith("q4") for d in dtypes):
        layers = manifest.get("text_config", {}).get("num_hidden_layers")
        if not isinstance(layers, int):
            raise PackageError(f"{manifest_path}: text_config.num_hidden_layers is missing (mixed precision needs the decoder's layer count; "
                               "--uniform puts every weight at 4 bits)")
        try:
            wide = eight_bit_weights(onnx.load(str(sources["embed_tokens"]), load_external_data=False),
                                     onnx.load(str(sources["decoder_model_merged"]), load_external_data=False), layers)
            if embed == "fp16":
                wide["embed_tokens"] = []  # the table is fp16, not quantized
        except MixedPrecisionError as e:
            raise PackageError(f"{manifest_path}: {e}") from e
    hessians = None
    if calibration and any(d.startswith("q4") for d in dtypes):
        from models.convert.calibrate import decoder_hessians
        t0 = time.time()
        seqs = calibration_sequences(root, Path(calibration))
        hessians = decoder_hessians(onnx.load(str(sources["decoder_model_merged"])), onnx.load(str(sources["embed_tokens"])), seqs)
        log(f"calibration: {len(seqs)} texts, {sum(map(len, seqs))} tokens, {len(hessians)} decoder weights in {time.time() - t0:.1f} s", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix=".quantize-", dir=root / "onnx"))
    try:
        written: list[tuple[str, str, str]] = []  # (graph, dtype, relative path)
        for g in GRAPHS:
            external = uses_external_data(sources[g])
            for d in dtypes:
                t0 = time.time()
                name = f"{g}{SUFFIX[d]}.onnx"
                kw = dict(block=block, embed=embed, accuracy_level=accuracy_level, hessians=hessians if g == "decoder_model_merged" else None,
                          bits={w: 8 for w in wide.get(g, [])})
                if external:  # streamed: the 7B decoder's fp32 weights are ~30 GB
                    model = transform_streaming(sources[g], d, tmp / name, **kw)
                    onnx.save_model(model, str(tmp / name))
                else:
                    model = transform(onnx.load(str(sources[g])), d, **kw)
                    save(model, tmp / name, external)
                del model
                size = sum(p.stat().st_size for p in tmp.glob(name + "*"))
                fp32 = sum(p.stat().st_size for p in sources[g].parent.glob(sources[g].name + "*"))  # with its data file
                log(f"{g} {d}: {size / 1e6:.1f} MB ({fp32 / 1e6:.1f} MB fp32) in {time.time() - t0:.1f} s", flush=True)
                written.append((g, d, f"onnx/{name}"))
        for f in tmp.iterdir():
            os.replace(f, root / "onnx" / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for g, d, rel in written:
        files[g][d] = graph_ref(root, rel)
    q = manifest.setdefault("quantization", {})
    for d in dtypes:
        q[d] = {"activations": "fp32" if d == "q4" else "fp16 (positions, masks, RMSNorm square in fp32)"}
        if d.startswith("q4"):
            q[d].update({"weights": "MatMulNBits 4-bit", "block_size": block, "symmetric": True,
                         "embed_tokens": "fp16" if embed == "fp16" else f"GatherBlockQuantized {8 if wide else 4}-bit",
                         "accuracy_level": accuracy_level,
                         "rounding": "GPTQ on the decoder (calibration texts), plain elsewhere" if hessians else "plain"})
            if wide:
                q[d]["mixed_precision"] = {"rule": RULE, "8-bit": wide, "8-bit accuracy_level": EIGHT_BIT_ACCURACY_LEVEL}
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (root / "manifest.json.tmp").write_text(text, encoding="utf-8")
    os.replace(root / "manifest.json.tmp", manifest_path)
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m models.convert.quantize_package", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="a medrwr-model/1 package with fp32 graphs")
    ap.add_argument("--dtype", required=True, help="comma-separated: q4, q4f16, fp16")
    ap.add_argument("--block-size", type=int, default=32)
    ap.add_argument("--embed", choices=["gbq", "fp16"], default="gbq",
                    help="embedding table in q4 variants: GatherBlockQuantized 4-bit rows (default) or fp16")
    ap.add_argument("--accuracy-level", type=int, default=0, choices=[0, 1, 2, 3, 4],
                    help="MatMulNBits accuracy_level (0: the kernel's default; 4: int8 activations on CPU)")
    ap.add_argument("--uniform", action="store_true",
                    help="q4 variants with every weight at 4 bits (default: mixed precision, see models/convert/mixed_precision.py)")
    ap.add_argument("--calibrate", type=Path, help="a text file, one calibration text a line: the decoder's 4-bit weights are "
                    "rounded with GPTQ on these (small models only: runs the fp32 decoder in numpy)")
    a = ap.parse_args(argv)
    dtypes = [d.strip() for d in a.dtype.split(",") if d.strip()]
    dtypes = [d for d in dtypes if d != "fp32"]  # fp32 is the source, already there
    try:
        quantize_package(a.dir, dtypes, block=a.block_size, embed=a.embed, accuracy_level=a.accuracy_level, calibration=a.calibrate,
                         mixed=not a.uniform)
    except (PackageError, ValueError) as e:
        print(f"quantize: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
