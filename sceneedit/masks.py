"""Binary masks: COCO RLE (through pycocotools) and the small geometric helpers on them.

A mask in memory is a 2-D ``bool`` numpy array of shape (height, width).
"""
from __future__ import annotations

import warnings
from typing import Union

import numpy as np
from pycocotools import mask as coco_mask
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from .errors import ValidationError


class RLE(BaseModel):
    """A COCO run-length encoded mask, exactly as the interchange format stores it.

    ``counts`` is either pycocotools' compressed string or an uncompressed list of run lengths;
    whichever was read is written back unchanged, so documents round-trip byte for byte.
    """

    model_config = ConfigDict(extra="allow")
    size: list[int] = Field(description="[height, width]")
    counts: Union[str, list[int]]
    _decoded: np.ndarray | None = PrivateAttr(default=None)

    @field_validator("size")
    @classmethod
    def _check_size(cls, v: list[int]) -> list[int]:
        if len(v) != 2 or v[0] <= 0 or v[1] <= 0:
            raise ValueError(f"size must be [height, width] with both > 0, got {v}")
        return v

    @classmethod
    def from_array(cls, mask: np.ndarray) -> "RLE":
        m = np.asarray(mask, dtype=bool)
        if m.ndim != 2:
            raise ValidationError("mask", f"expected a 2-D mask, got shape {m.shape}")
        enc = coco_mask.encode(np.asfortranarray(m.astype(np.uint8)))
        rle = cls(size=[int(m.shape[0]), int(m.shape[1])], counts=enc["counts"].decode("ascii"))
        rle._decoded = m.copy()
        return rle

    def to_array(self) -> np.ndarray:
        """Decode (cached) to a bool array of shape ``size``."""
        if self._decoded is None:
            h, w = self.size
            if isinstance(self.counts, list):
                if sum(self.counts) != h * w:
                    raise ValidationError(
                        "mask.counts", f"run lengths sum to {sum(self.counts)}, expected {h * w}")
                rle = coco_mask.frPyObjects({"size": [h, w], "counts": self.counts}, h, w)
            else:
                rle = {"size": [h, w], "counts": self.counts.encode("ascii")}
            try:
                with warnings.catch_warnings():  # pycocotools' own numpy-2 deprecation noise
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self._decoded = coco_mask.decode(rle).astype(bool)
            except Exception as exc:  # pycocotools raises bare errors on corrupt strings
                raise ValidationError("mask.counts", f"corrupt RLE string ({exc})") from exc
            self._decoded.setflags(write=False)
        return self._decoded


def mask_box(mask: np.ndarray) -> list[int] | None:
    """Tight [x0, y0, x1, y1] box (x1, y1 exclusive) of a mask, or None if empty."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def box_to_mask(box, height: int, width: int) -> np.ndarray:
    """Filled box (clipped to the image) as a mask."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    m = np.zeros((height, width), dtype=bool)
    m[max(y0, 0):max(min(y1, height), 0), max(x0, 0):max(min(x1, width), 0)] = True
    return m


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Dilate by a disc of ``radius`` pixels (radius 0 returns a copy)."""
    import cv2

    if radius <= 0:
        return np.asarray(mask, dtype=bool).copy()
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(np.asarray(mask, dtype=np.uint8), k).astype(bool)


def erode(mask: np.ndarray, radius: int) -> np.ndarray:
    import cv2

    if radius <= 0:
        return np.asarray(mask, dtype=bool).copy()
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.erode(np.asarray(mask, dtype=np.uint8), k).astype(bool)
