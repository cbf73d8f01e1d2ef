"""Binary masks: COCO RLE (through pycocotools) and the small geometric helpers on them.

A mask in memory is a 2-D ``bool`` numpy array of shape (height, width).
"""
from __future__ import annotations

import warnings
from typing import Union

import numpy as np
from pycocotools import mask as coco_mask
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator

from .errors import ValidationError

# pycocotools' compressed counts: 6-bit groups stored as the characters '0'..'o' (48..111).
_RLE_CHAR_MIN, _RLE_CHAR_MAX = 48, 111
# pycocotools reads each number into a C long: more than 12 groups (60 bits) overflow it.
_MAX_SHIFT = 60


def run_lengths(counts: str) -> list[int]:
    """The run lengths a pycocotools compressed ``counts`` string stands for.

    pycocotools' own reader (``rleFrString``) trusts its input: on a garbage or truncated string
    it yields runs that do not add up to the mask, and ``decode`` then writes past or leaves
    uninitialised parts of its buffer (a different mask on every run). So the string is read
    here first, the same way, and checked; ``ValueError`` says what is wrong.
    """
    runs: list[int] = []
    value = shift = 0
    for pos, ch in enumerate(counts):
        c = ord(ch) - _RLE_CHAR_MIN
        if not 0 <= c <= _RLE_CHAR_MAX - _RLE_CHAR_MIN:
            raise ValueError(f"character {ch!r} at position {pos} is not RLE data "
                             "(pycocotools strings use '0'..'o')")
        value |= (c & 0x1F) << shift
        shift += 5
        if c & 0x20:  # more groups follow for this number
            if shift > _MAX_SHIFT:
                raise ValueError(f"the number ending at position {pos} is too long for a run")
            continue
        if c & 0x10:  # sign bit of the last group
            value -= 1 << shift
        if len(runs) > 2:  # runs after the third are stored as deltas (rleToString)
            value += runs[-2]
        if value < 0:
            raise ValueError(f"run {len(runs)} has negative length {value}")
        runs.append(value)
        value = shift = 0
    if shift:
        raise ValueError("the string ends in the middle of a number (truncated)")
    return runs


def check_runs(runs: list[int], height: int, width: int) -> None:
    """Run lengths of a ``height`` x ``width`` mask: non-negative, and they cover the mask
    exactly (an empty list or string covers nothing)."""
    if any(r < 0 for r in runs):
        raise ValueError(f"run lengths must be >= 0, got {min(runs)}")
    if sum(runs) != height * width:
        raise ValueError(f"run lengths sum to {sum(runs)}, expected height*width = "
                         f"{height * width}")


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

    @field_validator("counts")
    @classmethod
    def _check_counts(cls, v: Union[str, list[int]], info: ValidationInfo
                      ) -> Union[str, list[int]]:
        """Every mask is checked when its document is read (not when first decoded), so a
        malformed one is refused by ``validate`` as well as by ``render``."""
        size = info.data.get("size")
        if size is None:  # the size itself was invalid; that error is reported
            return v
        check_runs(run_lengths(v) if isinstance(v, str) else v, size[0], size[1])
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

    def _coco(self) -> dict:
        """The mask in pycocotools' compressed form (counts checked at construction)."""
        h, w = self.size
        if isinstance(self.counts, list):
            return coco_mask.frPyObjects({"size": [h, w], "counts": self.counts}, h, w)
        return {"size": [h, w], "counts": self.counts.encode("ascii")}

    def decode(self) -> np.ndarray:
        """A fresh bool array of shape ``size`` (not cached: for one-pass bulk readers that
        would otherwise keep every object's full-image mask alive)."""
        if self._decoded is not None:
            return self._decoded.copy()
        with warnings.catch_warnings():  # pycocotools' own numpy-2 deprecation noise
            warnings.simplefilter("ignore", DeprecationWarning)
            return coco_mask.decode(self._coco()).astype(bool)

    def crop(self, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
        """The mask's pixels in [y0:y1, x0:x1], decoded from the runs of those columns only
        (RLE runs are column-major): a small object's window of a 10-megapixel mask costs its
        columns, not 10 million pixels."""
        if self._decoded is not None:
            return self._decoded[y0:y1, x0:x1].copy()
        h = self.size[0]
        runs = np.asarray(run_lengths(self.counts) if isinstance(self.counts, str)
                          else self.counts, dtype=np.int64)
        ends = np.cumsum(runs)
        starts = ends - runs
        lo, hi = x0 * h, x1 * h
        on = (np.arange(len(runs)) % 2 == 1) & (ends > lo) & (starts < hi)  # odd runs are set
        edges = np.zeros(hi - lo + 1, dtype=np.int32)
        np.add.at(edges, np.clip(starts[on] - lo, 0, hi - lo), 1)
        np.add.at(edges, np.clip(ends[on] - lo, 0, hi - lo), -1)
        column_major = np.cumsum(edges[:-1]) > 0
        return column_major.reshape(x1 - x0, h).T[y0:y1].copy()

    def to_array(self) -> np.ndarray:
        """Decode (cached, read-only) to a bool array of shape ``size``."""
        if self._decoded is None:
            self._decoded = self.decode()
            self._decoded.setflags(write=False)
        return self._decoded

    def bbox(self) -> list[float]:
        """[x, y, width, height] of the set pixels, read from the runs without decoding."""
        return [float(v) for v in coco_mask.toBbox(self._coco())]

    def area(self) -> int:
        """Number of set pixels, read from the runs without decoding."""
        if self._decoded is not None:
            return int(np.count_nonzero(self._decoded))
        return int(coco_mask.area(self._coco()))


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
