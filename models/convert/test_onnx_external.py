"""The streamed quantizer (weights read and written one tensor at a time through onnx_external.TensorStore) must make
exactly the graphs the in-memory one makes: run by main/engine/quantize-streaming.test.ts, or
`/usr/bin/python3 -m unittest -v models.convert.test_onnx_external` from the repository root."""
from __future__ import annotations

import shutil
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from models.convert.onnx_external import ALIGN, TensorStore
from models.convert.quantize_package import transform, transform_streaming

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-random" / "onnx"
KW = dict(block=32, embed="gbq", accuracy_level=0)


class StreamingTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="onnx-external-"))

    def tearDown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def external_copy(self, graph: str) -> Path:
        """The fixture graph with every initializer of 1 KB or more in `<graph>.onnx_data`, as the converter writes a 7B."""
        m = onnx.load(str(FIXTURE / f"{graph}.onnx"))
        path = self.dir / f"{graph}.onnx"
        onnx.save_model(m, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=path.name + "_data", size_threshold=1024)
        return path

    def test_streamed_variants_equal_the_in_memory_ones(self) -> None:
        for graph in ("decoder_model_merged", "embed_tokens", "vision_encoder"):
            src = self.external_copy(graph)
            for dtype in ("q4", "q4f16", "fp16"):
                with self.subTest(graph=graph, dtype=dtype):
                    expected = transform(onnx.load(str(src)), dtype, **KW)
                    out = self.dir / f"{graph}_{dtype}.onnx"
                    onnx.save_model(transform_streaming(src, dtype, out, **KW), str(out))
                    got = onnx.load(str(out))  # reads <out>_data back through onnx's own loader
                    self.assertEqual([(n.op_type, list(n.input), list(n.output)) for n in got.graph.node],
                                     [(n.op_type, list(n.input), list(n.output)) for n in expected.graph.node])
                    want = {t.name: numpy_helper.to_array(t) for t in expected.graph.initializer}
                    have = {t.name: numpy_helper.to_array(t) for t in got.graph.initializer}
                    self.assertEqual(sorted(have), sorted(want))
                    for name, a in want.items():
                        self.assertEqual(have[name].dtype, a.dtype, name)
                        np.testing.assert_array_equal(have[name], a, err_msg=name)
                    raw = onnx.load(str(out), load_external_data=False)
                    locations = {e.value for t in raw.graph.initializer for e in t.external_data if e.key == "location"}
                    self.assertEqual(locations, {out.name + "_data"})  # nothing points at the source or the fp16 intermediate
                    offsets = [int(e.value) for t in raw.graph.initializer for e in t.external_data if e.key == "offset"]
                    self.assertTrue(offsets and all(o % ALIGN == 0 for o in offsets))
                    self.assertEqual(sorted(p.name for p in self.dir.glob(f"{graph}_{dtype}.onnx*")), [out.name, out.name + "_data"])

    def test_a_truncated_data_file_is_named(self) -> None:
        src = self.external_copy("embed_tokens")
        data = src.with_name(src.name + "_data")
        data.write_bytes(data.read_bytes()[:-4096])
        with self.assertRaisesRegex(ValueError, r"embed_tokens\.onnx_data is truncated"):
            transform_streaming(src, "q4", self.dir / "embed_tokens_q4.onnx", **KW)

    def test_reads_one_tensor_by_offset(self) -> None:
        src = self.external_copy("decoder_model_merged")
        full = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(src)).graph.initializer}
        store = TensorStore(src.parent)
        for t in onnx.load(str(src), load_external_data=False).graph.initializer:
            np.testing.assert_array_equal(store.read(t), full[t.name], err_msg=t.name)


if __name__ == "__main__":
    unittest.main()
