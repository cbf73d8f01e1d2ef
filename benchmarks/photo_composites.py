"""Photo-like test scenes with known truth, built from scikit-image's sample photos.

Objects are shapes (ellipse, polygon, star, smooth blob, the horse silhouette) filled with a
texture cut from one real photo and pasted, with a one-pixel soft edge and a little shading,
onto a crop of another real photo. The truth is exact: the object's visible mask and the clean
background. Used by ``mask_from_box.py`` (mask IoU) and ``remove_fill.py`` (removal quality).
Needs scikit-image (the ``eval`` extra). Everything is seeded.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

# Colour photos, and grey photos given a colour cast (so they are not all grey).
COLOR_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "immunohistochemistry")
GREY_PHOTOS = ("camera", "brick", "grass", "gravel", "clock", "coins", "moon")
PHOTOS = COLOR_PHOTOS + GREY_PHOTOS
SHAPES = ("ellipse", "polygon", "star", "blob", "horse")


@lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    """A sample photo as HxWx3 uint8 RGB (grey ones tinted by a fixed per-name colour)."""
    from skimage import data

    img = getattr(data, name)()
    if img.ndim == 2:
        rng = np.random.default_rng(PHOTOS.index(name))
        tint = rng.uniform(0.55, 1.0, 3)
        img = np.clip(img[..., None].astype(np.float32) * tint + rng.uniform(0, 40, 3), 0, 255)
    return np.ascontiguousarray(img[..., :3]).astype(np.uint8)


def crop(rng: np.random.Generator, name: str, h: int, w: int) -> np.ndarray:
    """A random h x w crop of a photo, scaled by 0.6..1.0 first (upscaled if too small)."""
    img = photo(name)
    s = rng.uniform(0.6, 1.0)
    s = max(s, h / img.shape[0], w / img.shape[1])
    img = cv2.resize(img, (max(int(round(img.shape[1] * s)), w),
                           max(int(round(img.shape[0] * s)), h)), interpolation=cv2.INTER_AREA)
    y = int(rng.integers(0, img.shape[0] - h + 1))
    x = int(rng.integers(0, img.shape[1] - w + 1))
    return img[y:y + h, x:x + w].copy()


def shape_mask(rng: np.random.Generator, kind: str, h: int, w: int) -> np.ndarray:
    """An h x w bool mask of one object filling its frame."""
    m = np.zeros((h, w), np.uint8)
    cy, cx = (h - 1) / 2, (w - 1) / 2
    if kind == "ellipse":
        cv2.ellipse(m, (int(cx), int(cy)), (w // 2 - 1, h // 2 - 1), 0, 0, 360, 1, -1)
    elif kind in ("polygon", "star"):
        n = int(rng.integers(5, 9))
        ang = np.sort(rng.uniform(0, 2 * np.pi, n)) if kind == "polygon" else \
            np.linspace(0, 2 * np.pi, 2 * n, endpoint=False) + rng.uniform(0, 1)
        r = rng.uniform(0.6, 1.0, len(ang)) if kind == "polygon" else \
            np.where(np.arange(len(ang)) % 2 == 0, 1.0, rng.uniform(0.4, 0.6))
        pts = np.stack([cx + r * np.cos(ang) * cx, cy + r * np.sin(ang) * cy], 1)
        cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 1)
    elif kind == "blob":
        noise = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0),
                                 max(h, w) / 8)
        yy, xx = np.mgrid[:h, :w]
        r2 = ((yy - cy) / (h / 2)) ** 2 + ((xx - cx) / (w / 2)) ** 2
        field = noise / (noise.std() + 1e-9) * 0.35 + 1.0 - r2
        m = (field > 0.45).astype(np.uint8)
        n, lab, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
        if n > 1:
            m = (lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    elif kind == "horse":
        from skimage import data

        horse = (~data.horse()).astype(np.uint8)  # the silhouette is False on True
        ys, xs = np.nonzero(horse)
        horse = horse[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        m = cv2.resize(horse, (w, h), interpolation=cv2.INTER_NEAREST)
    else:
        raise ValueError(kind)
    return m.astype(bool)


@dataclass
class Composite:
    image: np.ndarray            # the scene
    clean: np.ndarray            # the background without the objects
    masks: list[np.ndarray]      # each object's visible mask (HxW bool)
    boxes: list[list[float]]     # each object's box as a person or detector would draw it
    names: list[str]             # "shape:texture-photo on background-photo"


def paste_object(rng: np.random.Generator, image: np.ndarray, texture: str, kind: str,
                 box: tuple[int, int, int, int]) -> np.ndarray:
    """Paste a ``kind`` shape textured from photo ``texture`` into ``box`` (in place); returns
    the object's full-size mask (pixels at least half covered)."""
    x0, y0, x1, y1 = box
    h, w = y1 - y0, x1 - x0
    m = shape_mask(rng, kind, h, w)
    tex = crop(rng, texture, h, w).astype(np.float32)
    # a soft light from one side: objects in photos are shaded, not flat cut-outs
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    light = 1.0 + 0.18 * ((xx / w - 0.5) * np.cos(a) + (yy / h - 0.5) * np.sin(a))
    tex = np.clip(tex * light[..., None], 0, 255)
    alpha = cv2.GaussianBlur(m.astype(np.float32), (0, 0), 0.7)[..., None]
    region = image[y0:y1, x0:x1].astype(np.float32)
    image[y0:y1, x0:x1] = np.round(alpha * tex + (1 - alpha) * region).astype(np.uint8)
    full = np.zeros(image.shape[:2], bool)
    full[y0:y1, x0:x1] = alpha[..., 0] >= 0.5
    return full


def loose_box(rng: np.random.Generator, mask: np.ndarray, slack: float = 0.06) -> list[float]:
    """The mask's box with 0..``slack`` of its size added on each side (hand-drawn boxes and
    detector boxes are not tight), clipped to the image."""
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    bw, bh = x1 - x0, y1 - y0
    d = rng.uniform(0, slack, 4) * np.array([bw, bh, bw, bh])
    h, w = mask.shape
    return [float(max(x0 - d[0], 0)), float(max(y0 - d[1], 0)),
            float(min(x1 + d[2], w)), float(min(y1 + d[3], h))]


def make_scene(seed: int, h: int = 240, w: int = 320, n_objects: int | None = None,
               size: tuple[float, float] = (0.25, 0.5)) -> Composite:
    """1..3 textured objects (no two from the same photo as the background) on a photo crop.
    Objects may overlap; each truth mask is the object's visible part."""
    rng = np.random.default_rng(seed)
    bg_name = PHOTOS[int(rng.integers(len(PHOTOS)))]
    clean = crop(rng, bg_name, h, w)
    image = clean.copy()
    n = int(n_objects or rng.integers(1, 4))
    masks, names, areas = [], [], []
    for _ in range(n):
        tex = [p for p in PHOTOS if p != bg_name][int(rng.integers(len(PHOTOS) - 1))]
        kind = SHAPES[int(rng.integers(len(SHAPES)))]
        oh = int(h * rng.uniform(*size))
        ow = int(w * rng.uniform(*size))
        y0, x0 = int(rng.integers(0, h - oh)), int(rng.integers(0, w - ow))
        m = paste_object(rng, image, tex, kind, (x0, y0, x0 + ow, y0 + oh))
        masks = [old & ~m for old in masks] + [m]
        areas.append(int(m.sum()))
        names.append(f"{kind}:{tex} on {bg_name}")
    # an object mostly hidden by later ones is no longer one a person would box
    keep = [i for i, m in enumerate(masks) if m.sum() >= 0.6 * areas[i] and m.sum() > 100]
    masks = [masks[i] for i in keep]
    names = [names[i] for i in keep]
    boxes = [loose_box(rng, m) for m in masks]
    return Composite(image, clean, masks, boxes, names)
