"""manifest.json writer for the medrwr-model/1 package format (see models/README.md)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from models.lib.bpe_tokenizer import QWEN_SPECIAL_TOKENS

# Med-RwR system prompt, medrwr-protocol.md §2.1 (971 chars, sha256 aed75a38...).
MEDRWR_SYSTEM_PROMPT = (
    'You are an experienced expert in medicine. You are given a question, an image and a list of choices. You are required to select the correct answer from the choices.\n'
    'First observe the image, think about the question and each choice within <think> </think> tags. During thinking, if needed, retrieve medical knowledge using <query> </query> tags. Only one query is allowed. An external agent will retrieve information and return it within <retrieve> </retrieve> tags. \n'
    'You can use the retrieved information to continue thinking and further query if more information is needed. When you can reach a conclusion, output your answer within <answer> </answer> tags.\n'
    'The output should be in the following format:\n'
    '1. If you need more information, output <think> ... </think>\n'
    '<query> ... </query>\n'
    '<retrieve> ... </retrieve>\n'
    ' (Multiple think-query-retrieve cycles may occur)\n'
    '2. If you can directly reach a conclusion without query, output <think> ... </think>\n'
    '<answer> ... </answer>'
)

SPECIAL_TOKENS = {
    "im_start": "<|im_start|>", "im_end": "<|im_end|>", "endoftext": "<|endoftext|>",
    "vision_start": "<|vision_start|>", "vision_end": "<|vision_end|>", "image_pad": "<|image_pad|>",
    "video_pad": "<|video_pad|>", "eos": ["<|im_end|>", "<|endoftext|>"],
}
CHAT_TEMPLATE = {
    "system": "<|im_start|>system\n{system}<|im_end|>\n",
    "user_start": "<|im_start|>user\n",
    "user_end": "<|im_end|>\n",
    "assistant_start": "<|im_start|>assistant\n",
    "image": "<|vision_start|><|image_pad|><|vision_end|>",
}
IMAGE_PROCESSOR = {
    "min_pixels": 3136, "max_pixels": 262144, "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_std": [0.26862954, 0.26130258, 0.27577711], "rescale_factor": 0.00392156862745098, "resample": "bicubic",
}
GENERATION = {"max_new_tokens": 512, "temperature": 0, "top_k": 0, "top_p": 1.0, "repetition_penalty": 1.0, "seed": 0}
PROTOCOL = {
    "max_rounds": 3, "k": 3, "cdir_threshold": 0.8, "stop_strings": ["</query>"],
    "retrieve_none": "<retrieve> None </retrieve>\n",
    "cdir": {
        "think": "<think> I need to find a consultation from a case with similar medical imaging findings to provide relevant context and reference. I will use the consultation with previously retrieved information to generate the answer. </think>\n",
        "query": "<query> consultation from similar medical imaging case </query>",
        "retrieve": "<retrieve> <image> {caption} </retrieve>\n",
    },
}
assert set(QWEN_SPECIAL_TOKENS) >= {v for v in SPECIAL_TOKENS.values() if isinstance(v, str)}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 24):  # graphs may be GBs: never read whole
            h.update(chunk)
    return h.hexdigest()


def graph_ref(package_dir: str | Path, rel: str) -> dict:
    """A graph's manifest entry: its path and sha256, and its external data files (`<file>_data`, `<file>_data_1`, ...:
    ONNX Runtime reads them from beside the graph) each with its sha256."""
    root = Path(package_dir)
    ref: dict = {"path": rel, "sha256": sha256_file(root / rel)}
    data = sorted((p for p in (root / rel).parent.glob(Path(rel).name + "_data*") if p.is_file()), key=lambda p: (len(p.name), p.name))
    if data:
        ref["data"] = [{"path": str(p.relative_to(root)), "sha256": sha256_file(p)} for p in data]
    return ref


def write_manifest(package_dir: str | Path, *, id: str, version: str, name: str, licence: str, synthetic: bool,
                   text_config: dict, vision_config: dict, system_prompt: str, **overrides) -> dict:
    """Hash the files already in package_dir and write manifest.json. `overrides` replaces any
    top-level block (generation, protocol, image_processor, ...)."""
    root = Path(package_dir)
    files: dict = {}
    for key in ("vision_encoder", "embed_tokens", "decoder_model_merged"):
        rel = f"onnx/{key}.onnx"
        files[key] = {"fp32": graph_ref(root, rel)}
    files["tokenizer"] = {"path": "tokenizer.json", "sha256": sha256_file(root / "tokenizer.json")}
    manifest = {
        "format": "medrwr-model/1", "id": id, "version": version, "name": name, "licence": licence,
        "architecture": "qwen2_5_vl", "synthetic": synthetic, "files": files,
        "text_config": text_config, "vision_config": vision_config,
        "special_tokens": SPECIAL_TOKENS, "chat_template": CHAT_TEMPLATE, "system_prompt": system_prompt,
        "image_processor": IMAGE_PROCESSOR, "generation": GENERATION, "protocol": PROTOCOL,
    }
    manifest.update(overrides)
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest
