#!/usr/bin/python3
"""A random encoder of BGE-M3's exact size (XLM-RoBERTa-large: 24 layers, hidden 1024, 16 heads, intermediate 4096,
vocab 250,002, 8194 positions) in the Hugging Face layout, converted by models/convert/convert_encoder.py to
fp32/fp16/int8, for bench/encoder.bench.ts only (not committed: 2.3 GB fp32).

Its tokenizer is the tiny fixture's (models/fixtures/xlmr-tiny/hf/tokenizer.json): the benchmark feeds fixed token
counts, so only the graph's size matters. Run: OMP_NUM_THREADS=2 /usr/bin/python3 bench/make_random_bge_m3.py OUT_DIR
"""
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True
from models.convert.convert_encoder import convert_encoder  # noqa: E402
from models.convert.safetensors_io import write_safetensors  # noqa: E402

CONFIG = {"model_type": "xlm-roberta", "architectures": ["XLMRobertaModel"], "vocab_size": 250002, "hidden_size": 1024,
          "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096, "max_position_embeddings": 8194,
          "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "hidden_act": "gelu"}


def main() -> None:
    out = Path(sys.argv[1])
    hf = out / "hf"
    hf.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    rng = np.random.default_rng(0)
    h, i, v = CONFIG["hidden_size"], CONFIG["intermediate_size"], CONFIG["vocab_size"]
    w = lambda *shape: (rng.standard_normal(shape, dtype=np.float32) * 0.02)  # noqa: E731
    t = {"embeddings.word_embeddings.weight": w(v, h), "embeddings.position_embeddings.weight": w(CONFIG["max_position_embeddings"], h),
         "embeddings.token_type_embeddings.weight": w(1, h), "embeddings.LayerNorm.weight": np.ones(h, np.float32), "embeddings.LayerNorm.bias": np.zeros(h, np.float32)}
    for layer in range(CONFIG["num_hidden_layers"]):
        p = f"encoder.layer.{layer}."
        for name, (o, n) in {"attention.self.query": (h, h), "attention.self.key": (h, h), "attention.self.value": (h, h),
                             "attention.output.dense": (h, h), "intermediate.dense": (i, h), "output.dense": (h, i)}.items():
            t[p + name + ".weight"], t[p + name + ".bias"] = w(o, n), np.zeros(o, np.float32)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + ln + ".weight"], t[p + ln + ".bias"] = np.ones(h, np.float32), np.zeros(h, np.float32)
    write_safetensors(hf / "model.safetensors", t)
    del t
    (hf / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
    shutil.copy(ROOT / "models/fixtures/xlmr-tiny/hf/tokenizer.json", hf / "tokenizer.json")
    print(f"random weights in {time.time() - t0:.0f}s", file=sys.stderr)
    convert_encoder(hf, out / "encoder", encoder_id="bge-m3-size-random", log=lambda s: print(s, file=sys.stderr))


if __name__ == "__main__":
    main()
