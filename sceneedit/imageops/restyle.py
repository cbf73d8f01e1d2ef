"""Classical material / texture changes ("make the ball wooden", "striped cube").

A style paints a procedural pattern over the object in object-relative coordinates (so the
pattern scales with the object), then puts the object's own shading back: the CIELAB
lightness deviation from the object's median (``recolor.shading``) is added to the pattern,
so the silhouette, the light direction and the shadows stay. Only ``mask`` pixels change.

``STYLES`` is the one declaration of the style names and the words that select them;
``resolve_style`` finds a style in free text ("made of wood" -> "wood").
"""
from __future__ import annotations

import re
from collections.abc import Callable

import cv2
import numpy as np

from ..errors import ValidationError
from ..masks import mask_box
from ..palette import lab_to_srgb, srgb_to_lab
from .composite import check_image, check_mask
from .recolor import shading

# style name -> words that select it (the name itself first). Matching is on whole words,
# so "stone" does not select "marble" and "checked the box" cannot happen by accident.
STYLES: dict[str, tuple[str, ...]] = {
    "wood": ("wood", "wooden", "timber", "oak", "walnut", "pine", "plywood"),
    "striped": ("striped", "stripes", "stripe", "stripy", "pinstriped", "banded"),
    "dotted": ("dotted", "dots", "dot", "polka", "spotted", "spots", "dotty"),
    "checkered": ("checkered", "chequered", "checkerboard", "checkerboarded", "checks"),
    "metallic": ("metallic", "metal", "chrome", "chromed", "steel", "iron", "silver",
                 "aluminium", "aluminum"),
    "marble": ("marble", "marbled"),
    "glass": ("glass", "glassy", "transparent", "translucent", "crystal"),
}
STYLE_NAMES: tuple[str, ...] = tuple(STYLES)
_WORD = re.compile(r"[a-z]+")
_KEYWORD_TO_STYLE = {k: name for name, keys in STYLES.items() for k in keys}


def resolve_style(text: str) -> str:
    """The style named in ``text`` (a style name, a keyword, or a phrase such as "make it
    look like polka-dot fabric"). The earliest keyword in the text wins."""
    for word in _WORD.findall(str(text).lower()):
        if word in _KEYWORD_TO_STYLE:
            return _KEYWORD_TO_STYLE[word]
    raise ValidationError("style", f"no known material or pattern in {text!r}", STYLE_NAMES)


def restyle(image: np.ndarray, mask: np.ndarray, style: str, seed: int = 0) -> np.ndarray:
    """Return a copy of ``image`` with the object under ``mask`` given ``style``.

    ``style`` is resolved with ``resolve_style`` (so "wooden" works). ``seed`` varies the
    pattern's phase and noise deterministically. Only ``mask`` pixels change; an empty mask
    returns an unchanged copy.
    """
    image = check_image(image)
    m = check_mask(mask, image.shape)
    name = resolve_style(style)
    if not m.any():
        return image.copy()
    x0, y0, x1, y1 = mask_box(m)
    crop_mask = m[y0:y1, x0:x1]
    centre, dev = shading(image[m])
    rng = np.random.default_rng(seed)
    frame = _Frame(y1 - y0, x1 - x0, rng)
    if name == "glass":
        new_rgb = _glass(image, m, (x0, y0, x1, y1), centre, dev)
    else:
        lab, gain = _PATTERNS[name](frame, centre)
        lab = lab[crop_mask]
        lab[:, 0] = np.clip(lab[:, 0] + gain * dev[:, 0], 0.0, 100.0)
        new_rgb = lab_to_srgb(lab)
    out = image.copy()
    out[m] = new_rgb
    return out


class _Frame:
    """Object-relative pixel grid of the mask's box plus seeded noise helpers."""

    def __init__(self, h: int, w: int, rng: np.random.Generator):
        self.h, self.w, self.rng = h, w, rng
        self.size = float(max(h, w))
        self.y, self.x = np.mgrid[:h, :w].astype(np.float32)

    def noise(self, sigma: float, sigma_y: float | None = None) -> np.ndarray:
        """Smooth Gaussian noise, unit standard deviation."""
        n = self.rng.standard_normal((self.h, self.w)).astype(np.float32)
        n = cv2.GaussianBlur(n, (0, 0), sigmaX=max(sigma, 0.3),
                             sigmaY=max(sigma if sigma_y is None else sigma_y, 0.3))
        return n / (n.std() + 1e-6)

    def period(self, cycles: float) -> float:
        # Never finer than 6 px, or small objects alias into noise.
        return max(self.size / cycles, 6.0)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)[..., None]
    return a * (1.0 - t) + b * t


def _contrast(centre: np.ndarray) -> np.ndarray:
    """A neutral that stands out against the object's colour: white on dark, black on light."""
    return np.array([18.0, 0.0, 0.0]) if centre[0] > 60 else np.array([95.0, 0.0, 0.0])


def _soft(signal: np.ndarray, slope: float) -> np.ndarray:
    """Anti-aliased 0/1 step of ``signal`` > 0, about one pixel wide; ``slope`` is how much
    the signal changes per pixel where it crosses zero."""
    return 0.5 + 0.5 * np.tanh(1.5 * signal / max(slope, 1e-6))


def _wood(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    light, dark = srgb_to_lab(np.array([205, 155, 100])), srgb_to_lab(np.array([120, 72, 36]))
    # Flat-sawn grain: rings around a pith above the object, flattened so they run sideways,
    # warped by low-frequency noise, with fine streaks along the grain.
    px, py = f.rng.uniform(0.2, 0.8) * f.w, -f.rng.uniform(0.3, 1.0) * f.h
    period = f.period(9.0)
    r = np.sqrt(0.08 * (f.x - px) ** 2 + (f.y - py) ** 2)
    r = r + 0.6 * period * f.noise(f.size / 6)
    rings = (0.5 + 0.5 * np.cos(2 * np.pi * r / period)) ** 2
    streaks = f.noise(f.size / 8, 0.7)
    return _mix(light, dark, 0.75 * rings + 0.12 * streaks + 0.1), 1.0


def _striped(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    period = f.period(6.0)
    ang = np.pi / 4
    t = (f.x * np.cos(ang) + f.y * np.sin(ang)) / period + f.rng.uniform()
    return _mix(centre, _contrast(centre), _soft(np.sin(2 * np.pi * t), 2 * np.pi / period)), 1.0


def _dotted(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    period = f.period(5.0)
    ox, oy = f.rng.uniform(0, period, 2)
    row = np.floor((f.y + oy) / period)
    gx = (f.x + ox + 0.5 * period * (row % 2)) / period  # hexagonal packing
    gy = (f.y + oy) / period
    d = np.hypot(gx - np.floor(gx) - 0.5, gy - np.floor(gy) - 0.5)
    dots = np.clip((0.3 - d) * period + 0.5, 0.0, 1.0)
    return _mix(centre, _contrast(centre), dots), 1.0


def _checkered(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    period = f.period(5.0)
    ox, oy = f.rng.uniform(0, period, 2)
    a = _soft(np.sin(np.pi * (f.x + ox) / period), np.pi / period)
    b = _soft(np.sin(np.pi * (f.y + oy) / period), np.pi / period)
    return _mix(centre, _contrast(centre), a * b + (1 - a) * (1 - b)), 1.0


def _metallic(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    # Brushed chrome: a reflected sky / horizon / ground gradient running down the object,
    # bent a little by the surface, plus fine brushing; stronger shading contrast.
    v = f.y / max(f.h - 1, 1) + 0.08 * f.noise(f.size / 5)
    env = np.interp(v, [0.0, 0.35, 0.5, 0.62, 1.0], [92.0, 70.0, 30.0, 55.0, 42.0])
    brush = 2.0 * f.noise(f.size / 6, 0.5)
    lab = np.stack([env + brush, np.zeros_like(env), np.full_like(env, -2.0)], axis=-1)
    lab[..., 1:] += 0.12 * centre[1:]  # a hint of the original tint (steel vs. brass feel)
    return lab, 1.5


def _marble(f: _Frame, centre: np.ndarray) -> tuple[np.ndarray, float]:
    period = f.period(2.5)
    ang = f.rng.uniform(0, np.pi)
    turb = f.noise(f.size / 5) + 0.5 * f.noise(f.size / 12) + 0.25 * f.noise(f.size / 30)
    s = np.sin(2 * np.pi * (f.x * np.cos(ang) + f.y * np.sin(ang)) / period + 2.2 * turb)
    veins = (1.0 - np.abs(s)) ** 8
    cloud = f.noise(f.size / 4)
    lab = np.stack([92.0 - 40.0 * veins + 2.5 * cloud, 0.5 * np.ones_like(s),
                    2.5 - 1.5 * veins], axis=-1)
    return lab, 0.8


def _glass(image: np.ndarray, m: np.ndarray, box: tuple[int, int, int, int],
           centre: np.ndarray, dev: np.ndarray) -> np.ndarray:
    """See-through object: the inpainted background shows through a light tint of the
    object's colour; a bright rim and the object's highlights keep its outline readable."""
    from .inpaint import inpaint  # local: only this style needs the (larger) inpaint module

    behind = srgb_to_lab(inpaint(image, m, "auto")[m])
    tint = np.array([min(centre[0] + 20.0, 95.0), 0.35 * centre[1], 0.35 * centre[2]])
    lab = 0.7 * behind + 0.3 * tint
    inside = cv2.distanceTransform(np.pad(m, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
    rim = np.exp(-(inside[m] - 1.0) / 1.5)  # 1 at the edge, ~0 three pixels in
    lab[:, 0] += 22.0 * rim + 0.35 * np.maximum(dev[:, 0], 0.0)
    lab[:, 0] = np.clip(lab[:, 0], 0.0, 100.0)
    return lab_to_srgb(lab)


_PATTERNS: dict[str, Callable[[_Frame, np.ndarray], tuple[np.ndarray, float]]] = {
    "wood": _wood, "striped": _striped, "dotted": _dotted, "checkered": _checkered,
    "metallic": _metallic, "marble": _marble,
}
assert set(_PATTERNS) | {"glass"} == set(STYLES), "every style needs a painter"
