"""A larger random-weight model in the medrwr-model/1 layout, for bench/engine.bench.ts only (not committed output).

The fixture in models/fixtures/tiny-random is so small that a decode step costs well under a millisecond, which makes
loop-overhead ratios meaningless; this one (8 layers, hidden 512, GQA 8/2, head_dim 64) costs a few ms per step on a CPU.
Uses the project's own exporter (models/lib). Run: /usr/bin/python3 bench/make_random_model.py OUT_DIR
"""
import shutil
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from models.lib.bpe_tokenizer import ByteLevelBPE  # noqa: E402
from models.lib.package import MEDRWR_SYSTEM_PROMPT, write_manifest  # noqa: E402
from models.lib.qwen_vl_mini import QwenVLMini, TextConfig, TokenIds, VisionConfig, configs_to_json, export_onnx, init_random_  # noqa: E402


def main() -> None:
    out = Path(sys.argv[1])
    torch.manual_seed(1)
    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "models/fixtures/tiny-random/tokenizer.json", out / "tokenizer.json")
    tok = ByteLevelBPE.load(out / "tokenizer.json")
    text_cfg = TextConfig(vocab_size=tok.vocab_size, hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                          num_attention_heads=8, num_key_value_heads=2, head_dim=64, mrope_section=[8, 12, 12])
    vision_cfg = VisionConfig(hidden_size=64, depth=2, num_heads=2, intermediate_size=128, out_hidden_size=512)
    ids = TokenIds.from_tokenizer(tok)
    model = QwenVLMini(text_cfg, vision_cfg, ids).eval()
    init_random_(model, 1)
    export_onnx(model, out / "onnx")
    tc, vc = configs_to_json(text_cfg, vision_cfg)
    write_manifest(out, id="medrwr-bench-random", version="0.0.0", name="Random benchmark model (8x512)", licence="MIT",
                   synthetic=True, text_config=tc, vision_config=vc, system_prompt=MEDRWR_SYSTEM_PROMPT)


if __name__ == "__main__":
    main()
