"""Hugging Face Qwen2.5-VL (Med-RwR) -> medrwr-model/1 converter: `python3 -m models.convert.qwen25vl HF_DIR --out DIR`."""
