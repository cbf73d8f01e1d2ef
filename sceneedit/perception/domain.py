"""Does an image belong to the classical perceiver's domain, sceneedit's synthetic scenes?

The classical perceiver (``classical.py``) reads flat-shaded objects on gently textured
backgrounds; on a photo it returns confident nonsense (bananas and rings over a living room).
This module measures, from two classical statistics, how far an image is from that domain, so
that the entry points can refuse photos with a message saying what to do instead:

- **noise correlation**: the fine residual of each colour channel (Immerkaer's 3x3 noise
  operator, which cancels flat areas, linear ramps and gentle textures), away from strong edges,
  correlated across the three channels. Synthetic scenes carry independent per-channel sensor
  noise (correlation ~0); a camera's noise goes through demosaicing, colour conversion and
  compression, which tie the channels together (0.5-1; 1 exactly for grey photos).
- **texture**: the 90th percentile of the local (5x5) standard deviation of CIELAB L* away
  from strong edges. Synthetic backgrounds vary by a few L* over tens of pixels and objects are
  flat-shaded; fur, foliage, fabric and gravel are far rougher.

Each statistic has a limit (``DomainProfile``); the **score** is the smallest relative margin,
``min(1 - value / limit)``: positive inside the domain, negative outside. The limits sit
between what ``benchmarks/domain_check.py`` measures on 1,000 generated scenes and on every
real photo that ships with scikit-image (it prints both rates and the margins).

Known limit: the noise statistic needs the lossless pixels. A synthetic scene re-saved as JPEG
gets the correlated noise of the codec and is refused; sceneedit writes PNG.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..errors import InvalidInputError

# Gradient magnitude (L* per pixel, after a 1 px Gaussian) above which a pixel is an object
# edge; synthetic objects differ from the background by >= 28 dE at a 1-2 px anti-aliased
# edge, gentle backgrounds stay below ~2.
EDGE_GRADIENT = 6.0
EDGE_CLEARANCE = 4          # px kept away from edges: a colour step correlates the channels
MIN_SAMPLES = 200           # fewer usable pixels than this: no evidence either way
MIN_NOISE = 0.25            # residual std (sRGB units) below which an image has no noise at all
# Both statistics are per-pixel, so a centre window of this side measures them as well as the
# whole image does, in bounded time (a 2 MP photo took 1.8 s whole on a shared 2-core machine).
MAX_SIDE = 640
# Immerkaer (1996), "Fast noise variance estimation": zero on constant, linear and (mostly)
# gently curved signals, so what is left is the noise.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32) / 6.0


@dataclass(frozen=True)
class DomainProfile:
    """The limits of the classical perceiver's domain (measured, see the module docstring)."""

    name: str = "sceneedit synthetic scenes"
    max_noise_correlation: float = 0.25
    max_texture: float = 3.5


CLASSICAL_DOMAIN = DomainProfile()


@dataclass(frozen=True)
class DomainScore:
    """The statistics of one image and the verdict of a profile on them."""

    noise_correlation: float   # mean pairwise correlation of the channels' noise residuals
    noise_level: float         # residual std (sRGB units); ~0 for a noiseless drawing
    texture: float             # 90th percentile local L* std away from edges
    edge_fraction: float       # pixels on strong edges (reported, not scored)
    score: float               # min relative margin; > 0: in the domain
    profile: DomainProfile

    @property
    def in_domain(self) -> bool:
        return self.score > 0

    @property
    def reason(self) -> str:
        """Which statistic decided, in words."""
        p = self.profile
        parts = []
        if self.noise_correlation > p.max_noise_correlation:
            parts.append(f"its pixel noise is correlated across colour channels "
                         f"({self.noise_correlation:.2f} > {p.max_noise_correlation:.2f}), "
                         f"as a camera's is")
        if self.texture > p.max_texture:
            parts.append(f"it is textured ({self.texture:.1f} > {p.max_texture:.1f} L* local "
                         f"deviation)")
        return "; ".join(parts) or "within the profile's limits"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["profile"] = self.profile.name
        d["in_domain"] = self.in_domain
        return d


def _away_from_edges(lab: np.ndarray) -> tuple[np.ndarray, float]:
    """Pixels at least EDGE_CLEARANCE px from a strong edge (and the image border), and the
    fraction of pixels on strong edges."""
    smooth = cv2.GaussianBlur(lab, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3) / 8
    edges = (np.sqrt((gx ** 2 + gy ** 2).sum(axis=2)) >= EDGE_GRADIENT).astype(np.uint8)
    size = 2 * EDGE_CLEARANCE + 1
    near = cv2.dilate(edges, np.ones((size, size), np.uint8))
    away = near == 0
    away[:2], away[-2:], away[:, :2], away[:, -2:] = False, False, False, False
    return away, float(edges.mean())


def _noise(rgb: np.ndarray, usable: np.ndarray) -> tuple[float, float]:
    """(cross-channel correlation, std) of the noise residual over ``usable`` pixels."""
    residual = cv2.filter2D(rgb, cv2.CV_32F, _NOISE_KERNEL, borderType=cv2.BORDER_REFLECT)
    r = residual[usable].astype(np.float64)
    if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
        # A grey image: its channels are one, and no synthetic scene is grey (each channel
        # has its own noise), so it counts as perfectly correlated, however small it is.
        return 1.0, float(r.std()) if r.size else 0.0
    if r.shape[0] < MIN_SAMPLES:
        return 0.0, 0.0
    std = r.std(axis=0)
    if std.min() < MIN_NOISE:  # a channel without noise: a clean drawing, no camera in sight
        return 0.0, float(std.mean())
    c = np.corrcoef(r.T)
    return float((c[0, 1] + c[0, 2] + c[1, 2]) / 3), float(std.mean())


def domain_score(image: np.ndarray, profile: DomainProfile = CLASSICAL_DOMAIN) -> DomainScore:
    """The domain statistics of ``image`` (HxWx3 uint8 RGB) under ``profile``."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InvalidInputError(f"image must be an HxWx3 uint8 RGB array, got shape "
                                f"{image.shape} and dtype {image.dtype}")
    h, w = image.shape[:2]
    y0, x0 = max(0, (h - MAX_SIDE) // 2), max(0, (w - MAX_SIDE) // 2)
    image = image[y0:y0 + MAX_SIDE, x0:x0 + MAX_SIDE]
    rgb = image.astype(np.float32)
    lab = cv2.cvtColor(rgb / 255.0, cv2.COLOR_RGB2LAB)
    away, edge_fraction = _away_from_edges(lab)
    unclipped = (image > 0).all(axis=2) & (image < 255).all(axis=2)
    correlation, level = _noise(rgb, away & unclipped)
    light = lab[..., 0]
    mean = cv2.blur(light, (5, 5))
    local_std = np.sqrt(np.maximum(cv2.blur(light * light, (5, 5)) - mean * mean, 0))
    texture = float(np.percentile(local_std[away], 90)) if away.sum() >= MIN_SAMPLES else 0.0
    score = min(1 - correlation / profile.max_noise_correlation,
                1 - texture / profile.max_texture)
    return DomainScore(noise_correlation=correlation, noise_level=level, texture=texture,
                       edge_fraction=edge_fraction, score=float(score), profile=profile)


class OutOfDomainError(InvalidInputError):
    """The built-in classical perceiver was asked to read an image outside its domain."""

    def __init__(self, what: str, result: DomainScore):
        self.result = result
        super().__init__(out_of_domain_message(what, result))


def out_of_domain_message(what: str, result: DomainScore) -> str:
    """One line: what the image is not, why (the measured statistic), and the two ways on."""
    from ..weights import get_entry, how_to_get

    # the same download lines and flags as `sceneedit models` prints
    hints = "; ".join(f"{name}: {how_to_get(get_entry(name))}"
                      for name in ("grounding-dino", "sam"))
    return (f"{what} does not look like one of sceneedit's synthetic scenes (domain score "
            f"{result.score:+.2f}: {result.reason}), and the built-in classical perceiver only "
            f"reads those. For photos, configure the vision models ({hints}) and make the graph "
            f"with `sceneedit graph IMAGE --detector grounding-dino --out graph.json`, or pass "
            f"--graph GRAPH.json with boxes from any detector (Python: graph=...)")


def require_in_domain(image: np.ndarray, what: str = "image",
                      profile: DomainProfile = CLASSICAL_DOMAIN) -> DomainScore:
    """``domain_score(image)``, or OutOfDomainError when the image is outside ``profile``."""
    result = domain_score(image, profile)
    if not result.in_domain:
        raise OutOfDomainError(what, result)
    return result
