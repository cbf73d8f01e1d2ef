"""Crop windows around a mask, at the resolution a diffusion model works best at.

Generating a whole 2000 px photo at a model's 512 px would paint a small object with a few dozen
pixels. Instead each part of the mask gets a window around it with some context, and the window
is resized so its longer side is the model's native resolution; the result is resized back and
pasted inside the mask only. Parts whose windows overlap share one window (one consistent
generation), and windows never upscale more than ``MAX_UPSCALE`` times (a 3-pixel speck gets
a window with enough context to mean something).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

# Context around a part of the mask, as a fraction of its larger side on each side: the model
# sees what surrounds the object (table top, wall) and continues it.
CROP_CONTEXT = 0.5
MAX_UPSCALE = 8


@dataclass(frozen=True)
class CropWindow:
    box: tuple[int, int, int, int]   # x0, y0, x1, y1 in the image (x1, y1 exclusive)
    work_size: tuple[int, int]       # (width, height) the model generates at

    @property
    def size(self) -> tuple[int, int]:
        x0, y0, x1, y1 = self.box
        return x1 - x0, y1 - y0

    @property
    def scale(self) -> float:
        """How much the window is enlarged for the model (> 1: finer than the photo)."""
        return self.work_size[0] / self.size[0]


def _union(a, b):
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _window(part, width: int, height: int, min_side: int, context: float):
    """A square window around ``part`` (clipped to the image), the part centred where possible."""
    x0, y0, x1, y1 = part
    side = max(math.ceil(max(x1 - x0, y1 - y0) * (1 + 2 * context)), min_side)
    w, h = min(side, width), min(side, height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    wx0 = int(min(max(round(cx - w / 2), 0), width - w))
    wy0 = int(min(max(round(cy - h / 2), 0), height - h))
    return wx0, wy0, wx0 + w, wy0 + h


def _work_size(w: int, h: int, native: int, multiple: int) -> tuple[int, int]:
    scale = native / max(w, h)
    return (max(multiple, round(w * scale / multiple) * multiple),
            max(multiple, round(h * scale / multiple) * multiple))


def crop_windows(mask: np.ndarray, native: int, multiple: int = 8,
                 context: float = CROP_CONTEXT) -> list[CropWindow]:
    """Windows covering every pixel of ``mask``; each mask pixel lies in exactly one window's
    parts, and windows do not overlap. Ordered top-to-bottom, left-to-right (stable seeds)."""
    height, width = mask.shape
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    min_side = math.ceil(native / MAX_UPSCALE)
    # (parts' bounding box, window) pairs; merge while any two windows overlap
    groups = []
    for x, y, w, h, _ in stats[1:n]:
        part = (int(x), int(y), int(x + w), int(y + h))
        groups.append((part, _window(part, width, height, min_side, context)))
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _overlap(groups[i][1], groups[j][1]):
                    part = _union(groups[i][0], groups[j][0])
                    groups[i] = (part, _window(part, width, height, min_side, context))
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    windows = [CropWindow(box, _work_size(box[2] - box[0], box[3] - box[1], native, multiple))
               for _, box in groups]
    return sorted(windows, key=lambda c: (c.box[1], c.box[0]))


def cut_window(image: np.ndarray, mask: np.ndarray, window: CropWindow
               ) -> tuple[np.ndarray, np.ndarray]:
    """The window's pixels and mask, resized to the model's working size."""
    x0, y0, x1, y1 = window.box
    size = window.work_size
    enlarge = size[0] >= window.size[0]
    crop = cv2.resize(image[y0:y1, x0:x1], size,
                      interpolation=cv2.INTER_CUBIC if enlarge else cv2.INTER_AREA)
    crop_mask = cv2.resize(mask[y0:y1, x0:x1].astype(np.uint8) * 255, size,
                           interpolation=cv2.INTER_NEAREST)
    return crop, crop_mask


def paste_window(out: np.ndarray, mask: np.ndarray, window: CropWindow,
                 generated: np.ndarray) -> None:
    """Resize ``generated`` (the model's output for ``window``) back and write it into ``out``
    inside ``mask`` only."""
    x0, y0, x1, y1 = window.box
    back = cv2.resize(generated, window.size, interpolation=cv2.INTER_AREA
                      if window.scale >= 1 else cv2.INTER_CUBIC)
    inside = mask[y0:y1, x0:x1]
    out[y0:y1, x0:x1][inside] = back[inside]
