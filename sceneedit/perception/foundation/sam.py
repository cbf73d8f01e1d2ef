"""SAM through transformers (``SamModel`` + ``SamProcessor``), prompted with boxes and points.

The image encoder is by far the expensive part (a ViT over a 1024 px image; the prompt encoder
and mask decoder are tiny), so its output is kept per image, keyed by a hash of the pixels, in a
small LRU: every later prompt on the same image — more boxes, a refinement round, points —
reuses it. ``encoder_calls`` counts real encoder runs.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cache import ContentCache, EncodesPerImage
from ..classical import check_rgb
from .models import LazyModel

# Points the processor pads with carry this label; the prompt encoder skips them.
_PAD_LABEL = -10


@dataclass
class ImageEmbedding:
    """The encoder output of one image and the sizes needed to map prompts and masks."""

    embeddings: Any          # torch tensor (1, C, h, w) on the model's device
    original_size: tuple[int, int]
    reshaped_size: tuple[int, int]


class SamSegmenter(LazyModel, EncodesPerImage):
    """``Segmenter`` over a SAM checkpoint (local directory or HF id; see ``models.py``)."""

    name = "sam"

    def __init__(self, model: str | os.PathLike[str] | None = None, *, device: str | None = None,
                 dtype: str | None = None, cache_size: int = 4):
        super().__init__(model, device=device, dtype=dtype)
        self._cache: ContentCache[ImageEmbedding] = ContentCache(self._encode,
                                                                 max(1, cache_size))

    def embed(self, image: np.ndarray) -> ImageEmbedding:
        """The cached embedding of ``image``, computing it on first sight."""
        return self._cache.get(image)

    def _encode(self, image: np.ndarray) -> ImageEmbedding:
        import torch
        from PIL import Image

        lm = self.load()
        enc = lm.processor(images=Image.fromarray(image), return_tensors="pt")
        with torch.inference_mode():
            emb = lm.model.get_image_embeddings(enc["pixel_values"].to(lm.device, lm.torch_dtype))
        return ImageEmbedding(emb, tuple(int(v) for v in enc["original_sizes"][0]),
                              tuple(int(v) for v in enc["reshaped_input_sizes"][0]))

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        """One HxW bool mask per box; ``points`` (optional) adds positive points per box."""
        import torch

        image = check_rgb(image)
        boxes = [list(map(float, b)) for b in boxes]
        if not boxes:
            return []
        if points is not None and len(points) != len(boxes):
            from ...errors import InvalidInputError

            raise InvalidInputError(f"{len(points)} point lists for {len(boxes)} boxes: give one "
                                    "(possibly empty) list of points per box")
        lm = self.load()
        emb = self.embed(image)
        (oh, ow), (rh, rw) = emb.original_size, emb.reshaped_size
        # Prompts live in the resized (not yet padded) frame the encoder saw.
        scale = np.array([rw / ow, rh / oh])
        prompt: dict[str, Any] = {
            "input_boxes": torch.tensor((np.array(boxes).reshape(-1, 2, 2) * scale)
                                        .reshape(1, -1, 4), dtype=lm.torch_dtype)}
        if points is not None and any(len(p) for p in points):
            width = max(len(p) for p in points)
            coords = np.zeros((1, len(boxes), width, 2))
            labels = np.full((1, len(boxes), width), _PAD_LABEL, dtype=np.int64)
            for i, pts in enumerate(points):
                if len(pts):
                    coords[0, i, :len(pts)] = np.asarray(pts, dtype=float).reshape(-1, 2) * scale
                    labels[0, i, :len(pts)] = 1
            prompt["input_points"] = torch.tensor(coords, dtype=lm.torch_dtype)
            prompt["input_labels"] = torch.tensor(labels)
        prompt = {k: v.to(lm.device) for k, v in prompt.items()}
        with torch.inference_mode():
            out = lm.model(image_embeddings=emb.embeddings, multimask_output=False, **prompt)
        masks = lm.processor.post_process_masks(
            out.pred_masks.float().cpu(), [list(emb.original_size)],
            [list(emb.reshaped_size)], binarize=True)[0]
        return [m[0].numpy().astype(bool) for m in masks]
