"""Qwen2.5-VL image preprocessing (onnx-runtime.md §5.1-5.3): smart_resize, normalise, patchify."""
from __future__ import annotations

import math

import numpy as np

IMAGE_MEAN = (0.48145466, 0.4578275, 0.40821073)
IMAGE_STD = (0.26862954, 0.26130258, 0.27577711)
PATCH, TEMPORAL, MERGE = 14, 2, 2
FACTOR = PATCH * MERGE


def smart_resize(height: int, width: int, min_pixels: int = 3136, max_pixels: int = 262144) -> tuple[int, int]:
    """HF rule: round to multiples of 28, then scale into [min_pixels, max_pixels]. Returns (h, w)."""
    if height < 10 or width < 10:
        raise ValueError(f"image {width}x{height} is smaller than 10 px on a side")
    if max(height, width) / min(height, width) > 200:
        raise ValueError(f"image {width}x{height} has an aspect ratio above 200")
    h = max(FACTOR, round(height / FACTOR) * FACTOR)
    w = max(FACTOR, round(width / FACTOR) * FACTOR)
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h = max(FACTOR, math.floor(height / beta / FACTOR) * FACTOR)
        w = max(FACTOR, math.floor(width / beta / FACTOR) * FACTOR)
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h = math.ceil(height * beta / FACTOR) * FACTOR
        w = math.ceil(width * beta / FACTOR) * FACTOR
    return h, w


def patchify(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """rgb uint8 [H, W, 3] with H, W multiples of 28 -> (pixel_values float32 [N, 1176],
    image_grid_thw int64 [1, 3]). The single frame is repeated to the 2 temporal slots."""
    h, w, c = rgb.shape
    if h % FACTOR or w % FACTOR or c != 3:
        raise ValueError(f"patchify needs [H, W, 3] with H, W multiples of {FACTOR}, got {rgb.shape}")
    x = rgb.astype(np.float32) * np.float32(1 / 255)
    x = (x - np.array(IMAGE_MEAN, np.float32)) / np.array(IMAGE_STD, np.float32)
    x = np.repeat(x.transpose(2, 0, 1)[None], TEMPORAL, axis=0)  # [T=2, C, H, W]
    gt, gh, gw = 1, h // PATCH, w // PATCH
    x = x.reshape(gt, TEMPORAL, c, gh // MERGE, MERGE, PATCH, gw // MERGE, MERGE, PATCH)
    x = x.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    return np.ascontiguousarray(x.reshape(gt * gh * gw, c * TEMPORAL * PATCH * PATCH)), np.array([[gt, gh, gw]], np.int64)


def load_and_patchify(path: str, min_pixels: int = 3136, max_pixels: int = 262144) -> tuple[np.ndarray, np.ndarray]:
    """Open an image file (PIL), convert to RGB, bicubic-resize by smart_resize, patchify."""
    from PIL import Image

    img = Image.open(path).convert("RGB")
    h, w = smart_resize(img.height, img.width, min_pixels, max_pixels)
    return patchify(np.asarray(img.resize((w, h), Image.BICUBIC)))
