"""Draw the synthetic images: a lesion signature (echo/density, shape, margin, count, texture) on an
ultrasound-like speckle field or a CT-like body section. Pure numpy, deterministic from an rng."""
from __future__ import annotations

import numpy as np

from models.tiny.world import Signature

SIZE = 112  # px; 112 = 4 x 28, so the model sees it without resizing (8x8 patches -> 16 visual tokens)
US_LEVEL = {"anechoic": 6.0, "hypoechoic": 48.0, "hyperechoic": 215.0}
CT_HU = {"hypodense": 0.0, "hyperdense": 85.0, "calcified": 600.0, "fat-density": -100.0}
CT_WINDOW = (40.0, 400.0)  # centre, width (HU): the soft-tissue window written into the DICOM header


def _blur(a: np.ndarray, passes: int) -> np.ndarray:
    for _ in range(passes):
        a = (a + np.roll(a, 1, 0) + np.roll(a, -1, 0) + np.roll(a, 1, 1) + np.roll(a, -1, 1)) / 5.0
    return a


def _shape_mask(rng, shape: str, cy: float, cx: float, r: float, spiculated: bool, scale_w: float = 1.0):
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    dy, dx = yy - cy, xx - cx
    if shape == "tubular":
        ang = rng.uniform(-0.5, 0.5)
        u = dx * np.cos(ang) + dy * np.sin(ang)
        v = -dx * np.sin(ang) + dy * np.cos(ang)
        half = r * 0.45 * scale_w
        inside = (np.abs(v) <= half) & (np.abs(u) <= SIZE * 0.42)
        return inside.astype(np.float32)
    ang = rng.uniform(0, np.pi)
    u = dx * np.cos(ang) + dy * np.sin(ang)
    v = -dx * np.sin(ang) + dy * np.cos(ang)
    if shape == "oval":
        rad = np.sqrt((u / (r * 1.45)) ** 2 + (v / (r * 0.56)) ** 2)
    else:
        rad = np.sqrt(u ** 2 + v ** 2) / r
    if shape == "irregular":
        theta = np.arctan2(v, u)
        wobble = np.zeros_like(theta)
        for k in (3, 4, 5):
            wobble += rng.uniform(0.15, 0.24) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        rad = rad / (1.0 + wobble)
    mask = (rad <= 1.0).astype(np.float32)
    if spiculated:
        # Spicules two pixels wide, so that they survive the speckle and a 14-px patch still shows them.
        n = rng.integers(6, 10)
        for t in np.linspace(0, 2 * np.pi, n, endpoint=False) + rng.uniform(0, 1):
            length = r * rng.uniform(0.9, 1.4)
            for s in np.linspace(0.8 * r, r + length, 32):
                py, px = cy + s * np.sin(t), cx + s * np.cos(t)
                iy, ix = int(round(py)), int(round(px))
                for oy, ox in ((0, 0), (1, 0), (0, 1)):
                    if 0 <= iy + oy < SIZE and 0 <= ix + ox < SIZE:
                        mask[iy + oy, ix + ox] = 1.0
    return mask


def _centres(rng, count: str, shape: str):
    """Lesions span several 14-px patches, so that their outline (round, oval, irregular) is a pattern across
    the model's visual tokens, not a detail inside one patch."""
    if shape == "tubular":
        return [(rng.uniform(40, 72), SIZE / 2, rng.uniform(13, 18))]
    if count == "single":
        r = rng.uniform(19, 25)
        return [(rng.uniform(38, 74), rng.uniform(38, 74), r)]
    n = int(rng.integers(2, 4))
    for _ in range(1000):
        out = []
        for _ in range(200):
            r = rng.uniform(11, 14)
            cy, cx = rng.uniform(20, 92), rng.uniform(20, 92)
            if all((cy - y) ** 2 + (cx - x) ** 2 > (r + rr + 6) ** 2 for y, x, rr in out):
                out.append((cy, cx, r))
                if len(out) == n:
                    return out
    raise RuntimeError("could not place the lesions")


def _lesion_field(rng, sig: Signature, frame_phase: float | None):
    """Union mask of the lesions (soft edge) for one image or cine frame."""
    total = np.zeros((SIZE, SIZE), np.float32)
    for cy, cx, r in _centres(rng, sig.count, sig.shape):
        scale_w = 1.0 if frame_phase is None else 1.0 + 0.35 * np.sin(frame_phase)
        total = np.maximum(total, _shape_mask(rng, sig.shape, cy, cx, r, sig.margin == "spiculated", scale_w))
    return _blur(total, 1)


def _texture(rng, kind: str) -> np.ndarray:
    """Image-only trait of the CDIR pairs: a fine even grain or coarse blotches inside the lesion."""
    if kind == "coarse":
        blobs = _blur(rng.normal(0, 1, (SIZE, SIZE)).astype(np.float32), 6)
        return np.sign(blobs) * 1.0
    if kind == "fine":
        return rng.normal(0, 0.25, (SIZE, SIZE)).astype(np.float32)
    return np.zeros((SIZE, SIZE), np.float32)


def us_frames(rng, sig: Signature, texture: str = "plain", n_frames: int = 1) -> np.ndarray:
    """uint8 [n_frames, SIZE, SIZE]: speckled background, depth attenuation, lesion(s)."""
    base_level = rng.uniform(95, 125)
    speckle = _blur(rng.rayleigh(1.0, (SIZE, SIZE)).astype(np.float32), 1)
    depth = np.linspace(1.08, 0.8, SIZE, dtype=np.float32)[:, None]
    background = base_level * speckle / speckle.mean() * depth
    tex = _texture(rng, texture)
    seed = int(rng.integers(0, 2 ** 31))
    frames = []
    for f in range(n_frames):
        phase = None if n_frames == 1 else 2 * np.pi * f / n_frames
        mask = _lesion_field(np.random.default_rng(seed), sig, phase)
        level = US_LEVEL[sig.echo]
        inner = level * (0.6 + 0.4 * speckle / speckle.mean())
        if texture != "plain":
            inner = inner + 30.0 * tex
        img = background * (1 - mask) + inner * mask
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
    return np.stack(frames)


def ct_hu(rng, sig: Signature, texture: str = "plain") -> np.ndarray:
    """int16 HU [SIZE, SIZE]: air, an elliptical soft-tissue body section, lesion(s)."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    body = (((yy - 56) / rng.uniform(50, 54)) ** 2 + ((xx - 56) / rng.uniform(52, 55)) ** 2) <= 1.0
    hu = np.full((SIZE, SIZE), -1000.0, np.float32)
    tissue = 40.0 + _blur(rng.normal(0, 14, (SIZE, SIZE)).astype(np.float32), 1)
    hu[body] = tissue[body]
    mask = _lesion_field(rng, sig, None) * body
    level = CT_HU[sig.echo] + rng.normal(0, 8, (SIZE, SIZE)).astype(np.float32)
    if texture != "plain":
        level = level + 28.0 * _texture(rng, texture)
    hu = hu * (1 - mask) + level * mask
    return np.clip(np.round(hu), -1024, 3071).astype(np.int16)


def window_to_u8(hu: np.ndarray, centre: float = CT_WINDOW[0], width: float = CT_WINDOW[1]) -> np.ndarray:
    """Linear window (DICOM VOI LUT, PS3.3 C.11.2.1.2) to 8-bit grey: what a viewer and the model see."""
    lo = centre - 0.5 - (width - 1) / 2
    x = (hu.astype(np.float32) - lo) / (width - 1)
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def render(rng, sig: Signature, texture: str = "plain"):
    """(model-view uint8 [SIZE,SIZE], raw) where raw is US frames uint8 [F,H,W] or CT HU int16 [H,W]."""
    if sig.modality == "CT":
        hu = ct_hu(rng, sig, texture)
        return window_to_u8(hu), hu
    frames = us_frames(rng, sig, texture, n_frames=8 if sig.modality == "CINE" else 1)
    return frames[0], frames
