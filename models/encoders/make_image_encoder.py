"""Write a tiny image encoder in the "medrwr-encoder/1" format: no learned weights, a fixed thumbnail descriptor.

The image (resized by the app to 32x32, scaled to [0, 1], normalised by mean/std) is average-pooled to 8x8 per
channel plus a 4x4 map of local contrast; each image's mean is removed and the vector L2-normalised, so the cosine
similarity compares layout and shading. A placeholder for CDIR's image library until a trained encoder exists;
a trained one only has to keep the same manifest format.
Usage, from the repository root: /usr/bin/python3 -m models.encoders.make_image_encoder OUT_DIR
"""
import hashlib
import json
import os
import sys

import torch


class ThumbnailEncoder(torch.nn.Module):
    def forward(self, pixels):
        coarse = torch.nn.functional.avg_pool2d(pixels, 4)  # N,3,8,8
        sq = torch.nn.functional.avg_pool2d(pixels * pixels, 8)
        mean = torch.nn.functional.avg_pool2d(pixels, 8)
        contrast = torch.sqrt(torch.relu(sq - mean * mean) + 1e-6)  # N,3,4,4
        v = torch.cat([coarse.flatten(1), contrast.flatten(1)], dim=1)
        v = v - v.mean(dim=1, keepdim=True)
        return torch.nn.functional.normalize(v, dim=-1)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    torch.onnx.export(ThumbnailEncoder(), torch.zeros(2, 3, 32, 32), path, opset_version=17, input_names=["pixel_values"],
                      output_names=["embeddings"], dynamic_axes={"pixel_values": {0: "batch"}, "embeddings": {0: "batch"}})
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    manifest = {
        "format": "medrwr-encoder/1", "id": "thumbnail-descriptor", "version": "1", "kind": "image",
        "description": "fixed 8x8 colour layout + 4x4 local contrast descriptor (no learned weights); placeholder image encoder",
        "onnx": {"path": "model.onnx", "sha256": sha}, "dimension": 3 * 64 + 3 * 16, "normalized": True,
        "input": "pixel_values", "output": "embeddings", "size": {"width": 32, "height": 32},
        "mean": [0.5, 0.5, 0.5], "std": [0.25, 0.25, 0.25],
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "thumbnail-image"))
