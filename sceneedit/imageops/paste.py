"""Cut-and-paste of objects: the classical backbone of move, resize and swap edits.

Boxes are ``[x0, y0, x1, y1]`` in pixels with x1, y1 exclusive (as ``masks.mask_box``).
Every high-level edit returns ``(image, changed_mask)`` where ``changed_mask`` holds every
pixel that may differ from the input: the vacated area (inpainted) and the pasted object.
"""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import ValidationError
from ..masks import dilate, mask_box
from .composite import check_image, check_mask
from .inpaint import inpaint

# The vacated area is the mask grown by this many pixels before inpainting: anti-aliased
# or slightly tight masks leave a one-pixel outline of the object otherwise.
VACATE_MARGIN = 1
ANCHORS: tuple[str, ...] = ("bottom", "center")


def cut(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Copy the object under ``mask``: (rgb of its box, its mask within the box, the box)."""
    image = check_image(image)
    m = check_mask(mask, image.shape)
    box = mask_box(m)
    if box is None:
        raise ValidationError("mask", "is empty; there is no object to cut")
    x0, y0, x1, y1 = box
    return image[y0:y1, x0:x1].copy(), m[y0:y1, x0:x1].copy(), box


def paste(image: np.ndarray, patch_rgb: np.ndarray, patch_mask: np.ndarray,
          box_or_xy: Sequence[float], scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Paste a cut object; returns (new image, mask of the pixels actually written).

    ``box_or_xy`` is either ``(x, y)``, the top-left corner for the patch resized by
    ``scale``, or a box ``[x0, y0, x1, y1]`` the patch is stretched to (then ``scale``
    resizes that box about its centre). Parts falling outside the image are clipped.
    """
    image = check_image(image)
    patch_rgb = check_image(patch_rgb, "patch_rgb")
    pm = check_mask(patch_mask, patch_rgb.shape, "patch_mask")
    if not scale > 0:
        raise ValidationError("scale", f"must be > 0, got {scale}")
    ph, pw = pm.shape
    if len(box_or_xy) == 2:
        x, y = (float(v) for v in box_or_xy)
        w, h = pw * scale, ph * scale
    elif len(box_or_xy) == 4:
        bx0, by0, bx1, by1 = (float(v) for v in box_or_xy)
        if bx1 <= bx0 or by1 <= by0:
            raise ValidationError("box", f"needs x0 < x1 and y0 < y1, got {list(box_or_xy)}")
        w, h = (bx1 - bx0) * scale, (by1 - by0) * scale
        x, y = (bx0 + bx1 - w) / 2, (by0 + by1 - h) / 2
    else:
        raise ValidationError("box_or_xy", f"expected (x, y) or [x0, y0, x1, y1], got "
                                           f"{box_or_xy!r}")
    w, h = max(int(round(w)), 1), max(int(round(h)), 1)
    x, y = int(round(x)), int(round(y))
    rgb, msk = patch_rgb, pm
    if (w, h) != (pw, ph):
        # Area averaging when shrinking avoids aliasing; bilinear when enlarging. The mask
        # stays binary (nearest) so the pasted footprint is exact.
        interp = cv2.INTER_AREA if w <= pw and h <= ph else cv2.INTER_LINEAR
        rgb = cv2.resize(patch_rgb, (w, h), interpolation=interp)
        msk = cv2.resize(pm.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    out = image.copy()
    pasted = np.zeros(image.shape[:2], bool)
    ih, iw = pasted.shape
    dx0, dy0, dx1, dy1 = max(x, 0), max(y, 0), min(x + w, iw), min(y + h, ih)
    if dx0 >= dx1 or dy0 >= dy1:
        return out, pasted  # entirely outside the image
    src = (slice(dy0 - y, dy1 - y), slice(dx0 - x, dx1 - x))
    sel = msk[src]
    out[dy0:dy1, dx0:dx1][sel] = rgb[src][sel]
    pasted[dy0:dy1, dx0:dx1] = sel
    return out, pasted


def fit_box(size: tuple[int, int], box: Sequence[float]) -> list[float]:
    """The largest box of aspect ``size`` = (w, h) centred in ``box``."""
    w, h = size
    x0, y0, x1, y1 = (float(v) for v in box)
    s = min((x1 - x0) / w, (y1 - y0) / h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return [cx - w * s / 2, cy - h * s / 2, cx + w * s / 2, cy + h * s / 2]


def placed_box(size: tuple[float, float], ref: Sequence[float], anchor: str) -> list[float]:
    """A box of ``size`` = (w, h) placed on reference box ``ref``: centred horizontally and
    sharing its bottom edge (``anchor="bottom"``: objects stay standing on the ground) or
    sharing its centre (``anchor="center"``)."""
    if anchor not in ANCHORS:
        raise ValidationError("anchor", f"unknown anchor {anchor!r}", ANCHORS)
    w, h = size
    x0, y0, x1, y1 = (float(v) for v in ref)
    cx = (x0 + x1) / 2
    if anchor == "bottom":
        return [cx - w / 2, y1 - h, cx + w / 2, y1]
    cy = (y0 + y1) / 2
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def move_object(image: np.ndarray, mask: np.ndarray, dst_box: Sequence[float],
                inpaint_method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Move the object to ``dst_box``: its old place is inpainted, then it is pasted scaled
    to fit the box with its aspect ratio kept, centred in the box."""
    patch, pmask, _ = cut(image, mask)
    if len(dst_box) != 4 or dst_box[2] <= dst_box[0] or dst_box[3] <= dst_box[1]:
        raise ValidationError("dst_box", f"expected [x0, y0, x1, y1] with x0 < x1, y0 < y1, "
                                         f"got {dst_box!r}")
    vacated = dilate(check_mask(mask, image.shape), VACATE_MARGIN)
    background = inpaint(image, vacated, inpaint_method)
    out, pasted = paste(background, patch, pmask, fit_box(pmask.shape[::-1], dst_box))
    return out, vacated | pasted


def resize_object(image: np.ndarray, mask: np.ndarray, scale: float, anchor: str = "bottom",
                  inpaint_method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Scale the object by ``scale`` in place, keeping its bottom centre (``"bottom"``) or its
    centre (``"center"``) fixed; the uncovered part of its old place is inpainted."""
    if not scale > 0:
        raise ValidationError("scale", f"must be > 0, got {scale}")
    patch, pmask, box = cut(image, mask)
    ph, pw = pmask.shape
    target = placed_box((pw * scale, ph * scale), box, anchor)
    vacated = dilate(check_mask(mask, image.shape), VACATE_MARGIN)
    background = inpaint(image, vacated, inpaint_method)
    out, pasted = paste(background, patch, pmask, target)
    return out, vacated | pasted


def swap_objects(image: np.ndarray, mask_a: np.ndarray, mask_b: np.ndarray,
                 anchor: str = "bottom",
                 inpaint_method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Exchange two objects' places, each keeping its own size: each is centred horizontally
    on the other's box and bottom-aligned with it (``"bottom"``) or centred on it
    (``"center"``). Both old places are inpainted first; the object that lands lower in the
    image (nearer the camera) is pasted last, so it is in front where they overlap."""
    patch_a, pm_a, box_a = cut(image, mask_a)
    patch_b, pm_b, box_b = cut(image, mask_b)
    target_a = placed_box(pm_a.shape[::-1], box_b, anchor)
    target_b = placed_box(pm_b.shape[::-1], box_a, anchor)
    vacated = dilate(check_mask(mask_a, image.shape) | check_mask(mask_b, image.shape),
                     VACATE_MARGIN)
    out = inpaint(image, vacated, inpaint_method)
    jobs = [(target_a, patch_a, pm_a), (target_b, patch_b, pm_b)]
    jobs.sort(key=lambda job: job[0][3])  # farther (higher bottom edge) first
    changed = vacated.copy()
    for target, patch, pm in jobs:
        out, pasted = paste(out, patch, pm, target)
        changed |= pasted
    return out, changed
