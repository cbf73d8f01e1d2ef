"""Mask bricks: set operations and morphology. They change no pixels of the image."""
from __future__ import annotations

import numpy as np

from .. import masks as M
from .registry import Port, PortType, brick

IMAGE, MASK, BOX, NUMBER = PortType.IMAGE, PortType.MASK, PortType.BOX, PortType.NUMBER
# A disc of radius r costs O(r) per pixel in OpenCV: on a 2048x2048 mask radius 16 took 0.14 s,
# 64 took 1.4 s, 128 took 7 s, 256 took 48 s. The compiler uses 2 and 4.
MAX_RADIUS = 64


def radius_port(name: str = "radius", description: str = "pixels", default: int = 3) -> Port:
    """A morphology radius (also the composite's feather, which dilates by it)."""
    return Port(name, NUMBER, description, default=default, minimum=0, maximum=MAX_RADIUS)


def _same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"mask shapes differ: {a.shape} vs {b.shape}")


@brick("mask_union", "Pixels in either mask.",
       [Port("a", MASK), Port("b", MASK)], [Port("mask", MASK)])
def mask_union(a, b):
    _same_shape(a, b)
    return a | b


@brick("mask_intersect", "Pixels in both masks.",
       [Port("a", MASK), Port("b", MASK)], [Port("mask", MASK)])
def mask_intersect(a, b):
    _same_shape(a, b)
    return a & b


@brick("mask_subtract", "Pixels in `a` but not in `b`.",
       [Port("a", MASK), Port("b", MASK)], [Port("mask", MASK)])
def mask_subtract(a, b):
    _same_shape(a, b)
    return a & ~b


@brick("mask_invert", "Every pixel not in the mask.", [Port("mask", MASK)], [Port("mask", MASK)])
def mask_invert(mask):
    return ~mask


@brick("mask_dilate", "Grow the mask by a disc of `radius` pixels.",
       [Port("mask", MASK), radius_port()], [Port("mask", MASK)])
def mask_dilate(mask, radius):
    return M.dilate(mask, int(radius))


@brick("mask_erode", "Shrink the mask by a disc of `radius` pixels.",
       [Port("mask", MASK), radius_port()], [Port("mask", MASK)])
def mask_erode(mask, radius):
    return M.erode(mask, int(radius))


@brick("box_to_mask", "A filled box as a mask the size of `image`.",
       [Port("box", BOX), Port("image", IMAGE, "gives the mask's size")], [Port("mask", MASK)])
def box_to_mask(box, image):
    return M.box_to_mask(box, image.shape[0], image.shape[1])


@brick("mask_to_box", "The tight box around a non-empty mask.",
       [Port("mask", MASK)], [Port("box", BOX)])
def mask_to_box(mask):
    box = M.mask_box(mask)
    if box is None:
        raise ValueError("the mask is empty: it has no box")
    return box
