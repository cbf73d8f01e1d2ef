"""Combining images under a mask, and the preservation invariant.

Every other imageops module builds its result as "an overlay valid inside some region" and
finishes with ``composite`` so that, by construction, nothing outside the documented region
changes. ``preserve`` is the final guarantee the workflow executor applies.

Also home of the small argument checks shared by the imageops modules (one place, one wording).
"""
from __future__ import annotations

import cv2
import numpy as np

from ..errors import ValidationError
from ..io import check_image_array
from ..masks import dilate


def check_mask(mask: np.ndarray, shape: tuple[int, ...], what: str = "mask") -> np.ndarray:
    """Validate a mask against an image shape and return it as a bool array (not a copy
    when it already is one; callers never write to it)."""
    m = np.asarray(mask)
    if m.ndim != 2 or m.shape != tuple(shape[:2]):
        raise ValidationError(what, f"expected an HxW mask of shape {tuple(shape[:2])}, "
                                    f"got {m.shape}")
    return m if m.dtype == bool else m.astype(bool)


def check_image(image: np.ndarray, what: str = "image") -> np.ndarray:
    return check_image_array(image, what)


def soft_alpha(mask: np.ndarray, feather: int) -> np.ndarray:
    """Float32 alpha: 1 inside ``mask``, falling linearly to 0 over ``feather`` pixels outside
    it, and exactly 0 outside ``dilate(mask, feather)``.

    The ramp is outward so the mask's own pixels stay fully the overlay (a recoloured object
    keeps its colour up to its edge) while the edge against the background is softened.
    """
    m = mask.astype(bool)
    alpha = m.astype(np.float32)
    if feather <= 0 or not m.any():
        return alpha
    # Euclidean distance of every outside pixel to the mask.
    dist = cv2.distanceTransform((~m).astype(np.uint8), cv2.DIST_L2, 5)
    ramp = np.clip(1.0 - dist / (feather + 1.0), 0.0, 1.0)
    # The distance transform and the disc of ``dilate`` differ by a fraction of a pixel on
    # diagonals; clamp to the documented region so the promise is exact.
    ring = dilate(m, feather) & ~m
    alpha[ring] = ramp[ring]
    return alpha


def extend_into_ring(values: np.ndarray, mask: np.ndarray, steps: int) -> np.ndarray:
    """Copy of ``values`` (HxWx3) whose pixels in a ``steps``-pixel ring around ``mask`` are
    replaced by the mean of their already-known 8-neighbours, grown one pixel per step.

    Used before a feathered composite: the ring then blends the *object's* new colour into the
    background instead of whatever the overlay happened to hold there.
    """
    out = values.astype(np.float32)
    known = mask.astype(bool).copy()
    kernel = np.ones((3, 3), np.float32)
    for _ in range(max(int(steps), 0)):
        w = cv2.filter2D(known.astype(np.float32), -1, kernel, borderType=cv2.BORDER_CONSTANT)
        s = cv2.filter2D(out * known[..., None], -1, kernel, borderType=cv2.BORDER_CONSTANT)
        grow = (w > 0) & ~known
        out[grow] = s[grow] / w[grow][:, None]
        known |= grow
    return out


def composite(base: np.ndarray, overlay: np.ndarray, mask: np.ndarray,
              feather: int = 0) -> np.ndarray:
    """``overlay`` where ``mask`` is True, ``base`` elsewhere (a new array).

    With ``feather > 0`` the edge is softened *outwards*: pixels within ``feather`` pixels
    outside the mask get ``alpha * overlay + (1 - alpha) * base`` with alpha falling linearly
    from 1 at the mask to 0; pixels inside the mask are exactly ``overlay``. Pixels outside
    ``dilate(mask, feather)`` are the exact bytes of ``base``. ``overlay`` must therefore hold
    meaningful values in that ring (see ``extend_into_ring``).
    """
    base = check_image(base, "base")
    overlay = check_image(overlay, "overlay")
    if overlay.shape != base.shape:
        raise ValidationError("overlay", f"shape {overlay.shape} differs from base {base.shape}")
    m = check_mask(mask, base.shape)
    out = base.copy()
    if feather <= 0:
        out[m] = overlay[m]
        return out
    alpha = soft_alpha(m, int(feather))
    region = alpha > 0
    a = alpha[region][:, None]
    blend = a * overlay[region].astype(np.float32) + (1.0 - a) * base[region].astype(np.float32)
    out[region] = np.clip(np.round(blend), 0, 255).astype(np.uint8)
    out[m] = overlay[m]  # exact, not a rounded blend
    return out


def preserve(original: np.ndarray, edited: np.ndarray, footprint: np.ndarray) -> np.ndarray:
    """``edited`` inside ``footprint`` and the exact bytes of ``original`` outside it.

    This is the preservation invariant: whatever an operation did, only its declared footprint
    can differ from the input image.
    """
    original = check_image(original, "original")
    edited = check_image(edited, "edited")
    if edited.shape != original.shape:
        raise ValidationError("edited", f"shape {edited.shape} differs from original "
                                        f"{original.shape}")
    fp = check_mask(footprint, original.shape, "footprint")
    out = original.copy()
    out[fp] = edited[fp]
    return out
