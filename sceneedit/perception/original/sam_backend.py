"""SAM from the original ``segment-anything`` package and its ``.pth`` checkpoints
(``sam_vit_b_01ec64.pth`` etc.).

The architecture (ViT width, depth, heads, which blocks attend globally) is read from the
checkpoint's own tensors, so any of the released sizes — or a smaller one — loads without the
user naming it. Like ``SamSegmenter``, each image is encoded once (content-hash LRU) and every
later prompt reuses the embedding; ``encoder_calls`` counts encoder runs.
"""
from __future__ import annotations

import os
import pickle
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import InvalidInputError
from ..cache import ContentCache, EncodesPerImage
from ..classical import check_rgb
from ._common import checkpoint_file, require

ENV_CHECKPOINT = "SCENEEDIT_SAM_CHECKPOINT"
FETCH = ("`curl -LO https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth` "
         "(or sam_vit_l_0b3195.pth / sam_vit_h_4b8939.pth)")


def architecture(state: dict[str, Any], image_size: int = 1024, patch: int = 16) -> dict:
    """(embed_dim, depth, num_heads, global_attn_indexes) of the image encoder stored in a SAM
    state dict. A windowed block's relative position table spans 2*14-1 positions, a global
    one 2*(image_size/patch)-1; its width is the head dimension."""
    embed_dim = int(state["image_encoder.patch_embed.proj.weight"].shape[0])
    blocks = sorted({int(m.group(1)) for k in state
                     if (m := re.match(r"image_encoder\.blocks\.(\d+)\.", k))})
    grid = image_size // patch
    rel = [state[f"image_encoder.blocks.{i}.attn.rel_pos_h"] for i in blocks]
    return {"encoder_embed_dim": embed_dim, "encoder_depth": len(blocks),
            "encoder_num_heads": embed_dim // int(rel[0].shape[1]),
            "encoder_global_attn_indexes": [i for i, r in zip(blocks, rel)
                                            if int(r.shape[0]) == 2 * grid - 1]}


class OriginalSamSegmenter(EncodesPerImage):
    """``Segmenter`` over a segment-anything ``.pth`` checkpoint."""

    name = "sam-original"

    def __init__(self, checkpoint: str | os.PathLike[str] | None = None, *,
                 device: str | None = None, cache_size: int = 4):
        self.checkpoint = checkpoint
        self.device = device
        # Per image: the predictor state that set_image computes (features, original size,
        # input size).
        self._cache: ContentCache[tuple] = ContentCache(self._encode, max(1, cache_size))
        self._predictor: Any = None

    def load(self) -> Any:
        if self._predictor is None:
            path = checkpoint_file(self.checkpoint, ENV_CHECKPOINT, "SAM", FETCH)
            torch = require("torch", "torch")
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            # weights_only: a checkpoint is tensors; unpickling arbitrary objects from a
            # downloaded file would run whatever code it names.
            try:
                state = torch.load(path, map_location="cpu", weights_only=True)
            except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as exc:
                raise InvalidInputError(f"SAM checkpoint {path} is not a plain weights file "
                                        f"(corrupt, or holds more than tensors): {str(exc).splitlines()[0]}") \
                    from None
            build = require("segment_anything.build_sam", "segment-anything")
            sa = require("segment_anything", "segment-anything")
            # _build_sam is the constructor every entry of sam_model_registry calls; given no
            # checkpoint it does not read one itself (its own torch.load is not weights_only).
            model = build._build_sam(**architecture(state))
            model.load_state_dict(state)
            self._predictor = sa.SamPredictor(model.to(device).eval())
        return self._predictor

    def _encode(self, image: np.ndarray) -> tuple:
        predictor = self.load()
        predictor.set_image(image, image_format="RGB")
        return predictor.features, predictor.original_size, predictor.input_size

    def _set_image(self, image: np.ndarray) -> Any:
        features, original, resized = self._cache.get(image)
        predictor = self.load()
        # SamPredictor keeps one image's state in these attributes: restore this image's
        # (a no-op right after set_image computed it).
        predictor.features, predictor.original_size, predictor.input_size = \
            features, original, resized
        predictor.is_image_set = True
        return predictor

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        image = check_rgb(image)
        if not boxes:
            return []
        if points is not None and len(points) != len(boxes):
            from ...errors import InvalidInputError

            raise InvalidInputError(f"{len(points)} point lists for {len(boxes)} boxes: give one "
                                    "(possibly empty) list of points per box")
        predictor = self._set_image(image)
        masks = []
        for i, box in enumerate(boxes):
            pts = list(points[i]) if points is not None else []
            coords = np.asarray(pts, dtype=np.float32).reshape(-1, 2) if pts else None
            out, _, _ = predictor.predict(
                point_coords=coords, point_labels=np.ones(len(pts)) if pts else None,
                box=np.asarray(box, dtype=np.float32), multimask_output=False)
            masks.append(out[0].astype(bool))
        return masks
