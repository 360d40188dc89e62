"""HF Qwen2.5-VL folder -> medrwr-model/1 package (manifest.json, onnx/, tokenizer.json, the HF configuration files
beside, so the folder is also a transformers.js-style model folder). Written into a temporary folder beside --out
and renamed at the end: a failure leaves no half package."""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

from models.lib.package import (CHAT_TEMPLATE, GENERATION, IMAGE_PROCESSOR, MEDRWR_SYSTEM_PROMPT, PROTOCOL,
                                SPECIAL_TOKENS, graph_ref, sha256_file)

from .checkpoint import HF_CONFIG_FILES, Checkpoint, CheckpointError, HfConfig
from .export import Log, _stderr, build_graphs, check_tensor, expected_tensors, export_graph

GRAPHS = ("vision_encoder", "embed_tokens", "decoder_model_merged")
# Med-RwR's infer.sh sets MAX_PIXELS=262144 (medrwr-protocol.md); the checkpoint's own processor allows far more.
MEDRWR_MAX_PIXELS = IMAGE_PROCESSOR["max_pixels"]


def _tokenizer_ids(path: Path, cfg: HfConfig) -> None:
    """Every special token the manifest names is in tokenizer.json, with the ids config.json gives the model."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing (the converter needs the checkpoint's tokenizer.json)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None
    added = {t.get("content"): t.get("id") for t in doc.get("added_tokens", [])}
    for literal in [v for v in SPECIAL_TOKENS.values() if isinstance(v, str)]:
        if literal not in added:
            raise CheckpointError(f"{path}: no added token {literal} (not a Qwen2.5-VL tokenizer)")
    want = {"image_token_id": "<|image_pad|>", "video_token_id": "<|video_pad|>", "vision_start_token_id": "<|vision_start|>",
            "vision_end_token_id": "<|vision_end|>"}
    for key, literal in want.items():
        if key in cfg.token_ids and cfg.token_ids[key] != added[literal]:
            raise CheckpointError(f"{path}: {literal} is id {added[literal]}, config.json says {key} {cfg.token_ids[key]}")
    if max(added.values()) >= cfg.text.vocab_size:
        raise CheckpointError(f"{path}: token id {max(added.values())} is outside the model's vocab_size {cfg.text.vocab_size}")


def _licence(folder: Path) -> str | None:
    """The `license:` of a model card's YAML front matter (Hugging Face README.md), if there is one."""
    readme = folder / "README.md"
    if not readme.is_file():
        return None
    m = re.match(r"---\n(.*?)\n---", readme.read_text(encoding="utf-8", errors="replace"), re.S)
    hit = m and re.search(r"^license:\s*(\S+)", m.group(1), re.M)
    return hit.group(1) if hit else None


def _image_processor(folder: Path) -> dict:
    ip = dict(IMAGE_PROCESSOR)
    path = folder / "preprocessor_config.json"
    if path.is_file():
        pre = json.loads(path.read_text(encoding="utf-8"))
        for key in ("min_pixels", "image_mean", "image_std", "rescale_factor"):
            if key in pre:
                ip[key] = pre[key]
        if "max_pixels" in pre:
            ip["max_pixels"] = min(int(pre["max_pixels"]), MEDRWR_MAX_PIXELS)
    return ip


def _hf_config_for_js(cfg: HfConfig, external: dict[str, int]) -> dict:
    """config.json as transformers.js reads it: the flat 4.49 form gains a text_config block (transformers.js
    normalises Qwen2.5-VL configs through it), and graphs with external data are declared."""
    doc = dict(cfg.raw)
    if "text_config" not in doc:
        t = cfg.text
        doc["text_config"] = {"model_type": "qwen2_5_vl_text", "vocab_size": t.vocab_size, "hidden_size": t.hidden_size,
                              "intermediate_size": t.intermediate_size, "num_hidden_layers": t.num_hidden_layers,
                              "num_attention_heads": t.num_attention_heads, "num_key_value_heads": t.num_key_value_heads,
                              "rope_theta": t.rope_theta, "rms_norm_eps": t.rms_norm_eps,
                              "max_position_embeddings": t.max_position_embeddings,
                              "rope_scaling": doc.get("rope_scaling"), "tie_word_embeddings": cfg.tie_word_embeddings}
    if external:
        doc["transformers.js_config"] = {**doc.get("transformers.js_config", {}), "use_external_data_format": external}
    return doc


def convert(hf_dir: str | Path, out: str | Path, *, package_id: str | None = None, name: str | None = None,
            source_id: str | None = None, licence: str | None = None, synthetic: bool = False, force: bool = False,
            force_full_attention: bool = False, log: Log = _stderr) -> dict:
    """Converts; returns the manifest. Raises CheckpointError (bad input, named) before anything is left at `out`."""
    hf_dir, out = Path(hf_dir), Path(out).resolve()
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise CheckpointError(f"{out}: already exists and is not empty (pass --force to replace it)")
    t0 = time.time()
    ckpt = Checkpoint(hf_dir)
    cfg = ckpt.config
    _tokenizer_ids(hf_dir / "tokenizer.json", cfg)
    for name, shape in expected_tensors(cfg).items():  # every tensor present and of its shape before anything is written
        check_tensor(ckpt, name, shape)
    n_bytes = sum(e.nbytes for e in ckpt.tensors.values())
    log(f"checkpoint {hf_dir}: {len(ckpt.tensors)} tensors, {n_bytes / 1e9:.2f} GB in "
        f"{len({e.file for e in ckpt.tensors.values()})} file(s); text {cfg.text.num_hidden_layers} layers x {cfg.text.hidden_size}, "
        f"vision {cfg.vision.depth} blocks x {cfg.vision.hidden_size} (window {cfg.vision.window_size} px, full attention in "
        f"{cfg.vision.fullatt_block_indexes}), lm_head {'tied' if cfg.tie_word_embeddings else 'untied'}")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "onnx").mkdir(parents=True)
    try:
        files: dict = {}
        external: dict[str, int] = {}
        used: set[str] = set()
        for k, (gname, module) in enumerate(build_graphs(cfg, force_full_attention).items(), 1):
            written = export_graph(gname, module, ckpt, tmp / "onnx", log, step=f"[{k}/3] ")
            used |= {n for n, _ in module.named_parameters()}
            ref = graph_ref(tmp, f"onnx/{written[0].name}")  # the engine's manifest entry: external files under "data"
            if len(written) > 1:
                external[written[0].name] = len(written) - 1
            files[gname] = {"fp32": ref}
            del module
        unused = sorted(set(ckpt.tensors) - used - ({"model.embed_tokens.weight"} if cfg.tie_word_embeddings else set()))
        if unused:
            log(f"note: {len(unused)} checkpoint tensor(s) not used by Qwen2.5-VL: {', '.join(unused[:5])}{' ...' if len(unused) > 5 else ''}")
        for fname in HF_CONFIG_FILES:
            if (hf_dir / fname).is_file() and fname != "config.json":
                shutil.copyfile(hf_dir / fname, tmp / fname)
        (tmp / "config.json").write_text(json.dumps(_hf_config_for_js(cfg, external), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        files["tokenizer"] = {"path": "tokenizer.json", "sha256": sha256_file(tmp / "tokenizer.json")}
        t, v = cfg.text, cfg.vision
        source = source_id or cfg.raw.get("_name_or_path") or hf_dir.resolve().name
        lic = licence or _licence(hf_dir) or "unknown: see the source checkpoint's model card"
        manifest = {
            "format": "medrwr-model/1", "id": package_id or re.sub(r"[^a-z0-9.-]+", "-", source.lower()).strip("-"),
            "version": "1", "name": name or f"{source} (converted from Hugging Face safetensors)", "licence": lic,
            "architecture": "qwen2_5_vl", "synthetic": synthetic,
            "source": {"checkpoint": source, "licence": lic, "format": "safetensors",
                       "converter": "python3 -m models.convert.qwen25vl", "debug_full_attention": force_full_attention},
            "files": files,
            "text_config": {"vocab_size": t.vocab_size, "hidden_size": t.hidden_size, "intermediate_size": t.intermediate_size,
                            "num_hidden_layers": t.num_hidden_layers, "num_attention_heads": t.num_attention_heads,
                            "num_key_value_heads": t.num_key_value_heads, "head_dim": t.head_dim, "rope_theta": t.rope_theta,
                            "mrope_section": t.mrope_section, "rms_norm_eps": t.rms_norm_eps,
                            "max_position_embeddings": t.max_position_embeddings, "tie_word_embeddings": cfg.tie_word_embeddings},
            "vision_config": {"patch_size": v.patch_size, "temporal_patch_size": v.temporal_patch_size,
                              "spatial_merge_size": v.spatial_merge_size, "in_channels": v.in_channels, "hidden_size": v.hidden_size,
                              "out_hidden_size": v.out_hidden_size, "depth": v.depth, "num_heads": v.num_heads,
                              "intermediate_size": v.intermediate_size, "window_size": v.window_size,
                              "fullatt_block_indexes": v.fullatt_block_indexes},
            "special_tokens": SPECIAL_TOKENS, "chat_template": CHAT_TEMPLATE, "system_prompt": MEDRWR_SYSTEM_PROMPT,
            "image_processor": _image_processor(hf_dir), "generation": GENERATION, "protocol": PROTOCOL,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"package {out}: {sum(f.stat().st_size for f in out.rglob('*') if f.is_file()) / 1e6:.1f} MB in {time.time() - t0:.1f}s")
    return manifest
