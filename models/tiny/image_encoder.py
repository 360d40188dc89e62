"""A tiny CNN image encoder for the CDIR reference library, exported in the medrwr-encoder/1 image format.

Trained to tell conditions apart (cross-entropy over the seen and ambiguous conditions only: the unseen ones never
train anything); the pooled, L2-normalised features are the embedding the library is searched with."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.tiny import world
from models.tiny.render import SIZE, render

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)
DIM = 64


class CNN(nn.Module):
    def __init__(self, n_classes: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 16, 5, stride=2, padding=2), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, stride=1, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.proj = nn.Linear(128, DIM)
        self.head = nn.Linear(DIM, n_classes)

    def embed(self, x):
        h = self.body(x)
        pooled = torch.cat((h.mean(dim=(2, 3)), h.amax(dim=(2, 3))), dim=1)
        return nn.functional.normalize(self.proj(pooled), dim=-1)

    def forward(self, x):
        return self.head(self.embed(x) * 10.0)


class _Export(nn.Module):
    def __init__(self, cnn: CNN):
        super().__init__()
        self.cnn = cnn

    def forward(self, pixel_values):
        return self.cnn.embed(pixel_values)


def to_input(grey: np.ndarray) -> torch.Tensor:
    """uint8 [H, W] grey -> [1, 3, H, W] normalised as the manifest says (RGB copies of the grey level)."""
    x = torch.from_numpy(grey.astype(np.float32) / 255.0)
    x = (x - MEAN[0]) / STD[0]
    return x.expand(3, -1, -1).unsqueeze(0)


def train(seed: int, n_per_class: int = 80, epochs: int = 10, log=print) -> CNN:
    torch.manual_seed(seed)
    classes = [c for c in world.CONDITIONS if c.split != "unseen"]
    xs, ys = [], []
    for ci, c in enumerate(classes):
        for j in range(n_per_class):
            grey, _ = render(np.random.default_rng([seed, 5000, ci, j]), c.sig, c.texture)
            xs.append(to_input(grey))
            ys.append(ci)
    x, y = torch.cat(xs), torch.tensor(ys)
    model = CNN(len(classes))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    gen = torch.Generator().manual_seed(seed)
    for ep in range(epochs):
        perm = torch.randperm(len(y), generator=gen)
        total, correct = 0.0, 0
        for i in range(0, len(y), 64):
            idx = perm[i:i + 64]
            logits = model(x[idx])
            loss = nn.functional.cross_entropy(logits, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y[idx]).sum())
        log(f"image encoder epoch {ep + 1}/{epochs}: loss {total / len(y):.3f} acc {correct / len(y):.3f}")
    return model.eval()


def export(model: CNN, out_dir: Path, seed: int) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.onnx"
    with torch.no_grad():
        # The wrapper must be in eval mode too: export restores its mode afterwards, recursively into the CNN.
        torch.onnx.export(_Export(model).eval(), (torch.zeros(2, 3, SIZE, SIZE),), str(path), opset_version=17,
                          input_names=["pixel_values"], output_names=["embedding"],
                          dynamic_axes={"pixel_values": {0: "batch"}, "embedding": {0: "batch"}})
    manifest = {
        "format": "medrwr-encoder/1", "kind": "image", "id": "medrwr-tiny-image-encoder", "version": f"seed{seed}",
        "description": "Tiny CNN for the synthetic demo world's CDIR reference library (not a medical model).",
        "onnx": {"path": "model.onnx", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
        "dimension": DIM, "normalized": True, "output": "embedding", "input": "pixel_values",
        "size": {"width": SIZE, "height": SIZE}, "mean": list(MEAN), "std": list(STD),
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


@torch.no_grad()
def embed_many(model: CNN, greys: list[np.ndarray]) -> np.ndarray:
    return torch.cat([model.embed(torch.cat([to_input(g) for g in greys[i:i + 64]]))
                      for i in range(0, len(greys), 64)]).numpy()
