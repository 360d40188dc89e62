"""The converter on the forms a published checkpoint comes in, and on bad input (each refused naming file and cause,
nothing left at --out). Run: OMP_NUM_THREADS=1 /usr/bin/python3 -m unittest models.convert.qwen25vl.test_converter
(main/engine/hf-convert.test.ts runs it under vitest)."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from models.convert.safetensors_io import read_safetensors, write_safetensors
from models.fixtures.hf_checkpoint import write_weights

from . import export
from .__main__ import main as cli
from .checkpoint import Checkpoint, CheckpointError
from .package import convert

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "hf-qwen25vl-tiny"
quiet = lambda _msg: None  # noqa: E731


def initializers(path: Path) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}


class ConverterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="qwen25vl-test-"))
        cls.base = cls.tmp / "base"
        convert(FIXTURE, cls.base, synthetic=True, log=quiet)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def copy_fixture(self, name: str) -> Path:
        d = self.tmp / name
        shutil.copytree(FIXTURE, d)
        return d

    def assert_refused(self, hf_dir: Path, *fragments: str) -> str:
        out = self.tmp / f"out-{hf_dir.name}"
        with self.assertRaises(CheckpointError) as cm:
            convert(hf_dir, out, log=quiet)
        msg = str(cm.exception)
        for f in fragments:
            self.assertIn(f, msg)
        self.assertFalse(out.exists(), "a refused conversion leaves nothing at --out")
        self.assertEqual([p.name for p in self.tmp.iterdir() if ".partial-" in p.name], [], "no temporary folder is left")
        return msg

    # -- acceptance 5: bad input -------------------------------------------------------------------------------

    def test_folder_without_safetensors(self):
        d = self.copy_fixture("no-weights")
        (d / "model.safetensors").unlink()
        (d / "pytorch_model.bin").write_bytes(b"")
        self.assert_refused(d, str(d), "no model.safetensors", "pytorch_model.bin", "only safetensors")

    def test_truncated_shard(self):
        d = self.copy_fixture("truncated")
        (d / "model.safetensors").unlink()
        write_weights(d, seed=25, shard_bytes=200_000, log=quiet)
        shards = sorted(d.glob("model-*.safetensors"))
        self.assertGreater(len(shards), 1)
        victim = shards[1]
        data = victim.read_bytes()
        victim.write_bytes(data[: len(data) - 1000])
        self.assert_refused(d, str(victim), "truncated")

    def test_missing_shard(self):
        d = self.copy_fixture("missing-shard")
        (d / "model.safetensors").unlink()
        write_weights(d, seed=25, shard_bytes=200_000, log=quiet)
        victim = sorted(d.glob("model-*.safetensors"))[-1]
        victim.unlink()
        self.assert_refused(d, str(victim), "missing", "model.safetensors.index.json")

    def test_config_of_another_architecture(self):
        d = self.copy_fixture("qwen2vl")
        cfg = json.loads((d / "config.json").read_text())
        cfg["model_type"], cfg["architectures"] = "qwen2_vl", ["Qwen2VLForConditionalGeneration"]
        (d / "config.json").write_text(json.dumps(cfg))
        self.assert_refused(d, str(d / "config.json"), "'qwen2_vl'", "Qwen2.5-VL")

    def test_tensor_of_the_wrong_shape(self):
        d = self.copy_fixture("bad-shape")
        tensors = read_safetensors(d / "model.safetensors")
        tensors = {k: np.array(v) for k, v in tensors.items()}
        tensors["model.layers.1.mlp.up_proj.weight"] = tensors["model.layers.1.mlp.up_proj.weight"][:100]
        write_safetensors(d / "model.safetensors", tensors, bf16=True)
        self.assert_refused(d, str(d / "model.safetensors"), "model.layers.1.mlp.up_proj.weight", "[100, 64]", "[128, 64]")

    def test_missing_tensor(self):
        d = self.copy_fixture("missing-tensor")
        tensors = {k: np.array(v) for k, v in read_safetensors(d / "model.safetensors").items() if k != "visual.merger.ln_q.weight"}
        write_safetensors(d / "model.safetensors", tensors, bf16=True)
        self.assert_refused(d, "visual.merger.ln_q.weight")

    def test_existing_output_is_not_overwritten_without_force(self):
        with self.assertRaises(CheckpointError) as cm:
            convert(FIXTURE, self.base, log=quiet)
        self.assertIn("--force", str(cm.exception))
        self.assertTrue((self.base / "manifest.json").is_file())

    def test_cli_exit_status_and_message(self):
        d = self.copy_fixture("cli-bad")
        (d / "model.safetensors").unlink()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code = cli([str(d), "--out", str(self.tmp / "cli-out")])
        self.assertEqual(code, 2)
        self.assertRegex(err.getvalue(), r"^error: .*no model\.safetensors")

    # -- the forms a checkpoint comes in ---------------------------------------------------------------------

    def test_nested_text_config_shards_and_new_tensor_names_give_the_same_graphs(self):
        d = self.copy_fixture("nested")
        cfg = json.loads((d / "config.json").read_text())
        text_keys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "rope_theta", "rms_norm_eps", "max_position_embeddings", "rope_scaling",
                     "tie_word_embeddings", "hidden_act"]
        cfg["text_config"] = {k: cfg.pop(k) for k in text_keys}
        (d / "config.json").write_text(json.dumps(cfg))
        tensors = {k: np.array(v) for k, v in read_safetensors(d / "model.safetensors").items()}
        renamed = {("model.language_model." + k[6:] if k.startswith("model.") else "model." + k if k.startswith("visual.") else k): v
                   for k, v in tensors.items()}
        (d / "model.safetensors").unlink()
        names = sorted(renamed)
        half = len(names) // 2
        for i, part in enumerate((names[:half], names[half:]), 1):
            write_safetensors(d / f"model-0000{i}-of-00002.safetensors", {n: renamed[n] for n in part})  # fp32 this time
        (d / "model.safetensors.index.json").write_text(json.dumps(
            {"weight_map": {n: f"model-0000{1 if n in names[:half] else 2}-of-00002.safetensors" for n in names}}))
        out = self.tmp / "nested-out"
        convert(d, out, log=quiet)
        for g in ("vision_encoder", "embed_tokens", "decoder_model_merged"):
            a, b = initializers(self.base / "onnx" / f"{g}.onnx"), initializers(out / "onnx" / f"{g}.onnx")
            self.assertEqual(sorted(a), sorted(b))
            for k in a:
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{g}: {k}")

    def test_fp16_checkpoint(self):
        d = self.copy_fixture("fp16")
        tensors = {k: np.array(v).astype(np.float16) for k, v in read_safetensors(d / "model.safetensors").items()}
        write_safetensors(d / "model.safetensors", tensors)
        out = self.tmp / "fp16-out"
        convert(d, out, log=quiet)
        a = initializers(self.base / "onnx" / "decoder_model_merged.onnx")
        b = initializers(out / "onnx" / "decoder_model_merged.onnx")
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-3, atol=1e-4, err_msg=k)

    def test_bf16_is_widened_exactly_and_linear_weights_are_transposed(self):
        ck = Checkpoint(FIXTURE)
        raw = ck.read("model.layers.0.self_attn.q_proj.weight")
        self.assertEqual(raw.dtype, np.float32)
        self.assertTrue(np.all(raw.view(np.uint32) & 0xFFFF == 0), "a widened bf16 has 16 zero low bits")
        inits = initializers(self.base / "onnx" / "decoder_model_merged.onnx")
        np.testing.assert_array_equal(inits["model.layers.0.self_attn.q_proj.weight"], raw.T)
        conv = ck.read("visual.patch_embed.proj.weight")
        np.testing.assert_array_equal(initializers(self.base / "onnx" / "vision_encoder.onnx")["visual.patch_embed.proj.weight"],
                                      conv.reshape(conv.shape[0], -1).T)

    def test_tied_lm_head_comes_from_the_embedding(self):
        d = self.copy_fixture("tied")
        cfg = json.loads((d / "config.json").read_text())
        cfg["tie_word_embeddings"] = True
        (d / "config.json").write_text(json.dumps(cfg))
        tensors = {k: np.array(v) for k, v in read_safetensors(d / "model.safetensors").items() if k != "lm_head.weight"}
        write_safetensors(d / "model.safetensors", tensors, bf16=True)
        out = self.tmp / "tied-out"
        manifest = convert(d, out, log=quiet)
        self.assertTrue(manifest["text_config"]["tie_word_embeddings"])
        lm = initializers(out / "onnx" / "decoder_model_merged.onnx")["lm_head.weight"]
        np.testing.assert_array_equal(lm, tensors["model.embed_tokens.weight"].T)

    def test_large_graphs_go_to_external_data(self):
        out = self.tmp / "external"
        old = export.INLINE_LIMIT
        export.INLINE_LIMIT = 100_000  # every graph of the fixture is "large" now
        try:
            manifest = convert(FIXTURE, out, log=quiet)
        finally:
            export.INLINE_LIMIT = old
        for g in ("vision_encoder", "embed_tokens", "decoder_model_merged"):
            ref = manifest["files"][g]["fp32"]
            self.assertEqual(ref["data"][0]["path"], f"onnx/{g}.onnx_data")
            model = onnx.load(str(out / ref["path"]), load_external_data=False)
            for t in model.graph.initializer:
                self.assertEqual(t.data_location, onnx.TensorProto.EXTERNAL)
                self.assertEqual(int({e.key: e.value for e in t.external_data}["offset"]) % export.ALIGN, 0)
            a, b = initializers(self.base / "onnx" / f"{g}.onnx"), initializers(out / ref["path"])
            for k in a:
                np.testing.assert_array_equal(a[k], b[k], err_msg=f"{g}: {k}")
        cfg = json.loads((out / "config.json").read_text())
        self.assertEqual(cfg["transformers.js_config"]["use_external_data_format"]["decoder_model_merged.onnx"], 1)

    def test_package_layout(self):
        m = json.loads((self.base / "manifest.json").read_text())
        self.assertEqual(m["format"], "medrwr-model/1")
        self.assertEqual((m["source"]["checkpoint"], m["licence"]), ("hf-qwen25vl-tiny", "mit"))
        self.assertEqual(m["vision_config"]["fullatt_block_indexes"], [1, 3])
        self.assertEqual(m["image_processor"]["max_pixels"], 262144)
        for f in ("config.json", "generation_config.json", "preprocessor_config.json", "tokenizer_config.json", "tokenizer.json"):
            self.assertTrue((self.base / f).is_file(), f)
        cfg = json.loads((self.base / "config.json").read_text())
        self.assertEqual(cfg["text_config"]["hidden_size"], 64)  # transformers.js reads the text settings there
        dec = onnx.load(str(self.base / "onnx" / "decoder_model_merged.onnx"))
        self.assertIn("num_logits_to_keep", [i.name for i in dec.graph.input])
        self.assertNotIn("Gemm", {n.op_type for n in dec.graph.node})
        weights = {t.name for t in dec.graph.initializer}
        matmul_b = {n.input[1] for n in dec.graph.node if n.op_type == "MatMul"}
        self.assertTrue({w for w in weights if w.endswith("proj.weight") or w == "lm_head.weight"} <= matmul_b,
                        "every projection is a MatMul by its initializer (what a 4-bit quantizer rewrites)")


if __name__ == "__main__":
    unittest.main()
