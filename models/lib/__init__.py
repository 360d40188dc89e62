"""Python side of the medrwr-model/1 package format: a miniature Qwen2.5-VL, its ONNX export,
a byte-level BPE tokenizer writer and the manifest writer. See models/README.md."""
