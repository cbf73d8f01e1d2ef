"""Filling a masked region from its surroundings (object removal, vacated areas of a move).

Methods (``METHODS`` is the one declaration of their names):

* ``telea`` / ``ns`` -- OpenCV's diffusion inpainting (Telea's fast marching, Navier-Stokes).
  Fast and clean for thin or small holes; large holes become smooth smears.
* ``multiscale`` -- our coarse-to-fine exemplar fill (Wexler et al. 2007 with a vectorised
  PatchMatch search, below): the hole is filled at the coarsest pyramid level,
  then every finer level re-synthesises it from patches copied from the known image, so
  textures and stripes continue into large holes instead of blurring.
* ``auto`` -- per connected hole: Navier-Stokes for thin holes and for holes in smooth
  surroundings, the exemplar fill for the rest; the rule comes from
  ``benchmarks/inpaint_quality.py`` (see ``AUTO_THICKNESS`` and ``AUTO_SMOOTH``). On photos
  (the exemplar's patches match loosely) a thick hole's exemplar fill is feathered into a
  Navier-Stokes fill near its edge (``FEATHER``; ``benchmarks/remove_fill.py``).

Only pixels inside the mask change; everything is deterministic (``seed``).
"""
from __future__ import annotations

import cv2
import numpy as np

from ..errors import ValidationError
from ..masks import dilate
from .composite import check_image, check_mask, preserve

METHODS: tuple[str, ...] = ("auto", "telea", "ns", "multiscale")

# "auto": a connected hole whose largest inscribed radius is at most AUTO_THICKNESS px goes to
# AUTO_THIN_METHOD, and so does a thicker one whose surroundings are smooth: the known pixels
# within SMOOTH_RING px deviate from a quadratic surface by at most AUTO_SMOOTH grey levels
# RMS (flat or graded surfaces with sensor noise). The rest goes to the exemplar fill.
# From benchmarks/inpaint_quality.py (medians; textures: 6 backgrounds x 3 shapes x 2 seeds):
# radius ~3 px: Navier-Stokes 37.2 dB / SSIM 0.95 (Telea 34.9, multiscale 33.5) in 2 ms;
# radius ~8 px: multiscale SSIM 0.87 vs 0.80 at equal PSNR; radius 20 / 50 px: multiscale
# 31.3 / 26.0 dB, SSIM 0.88 / 0.82 vs 25.3 / 24.9 dB, 0.73 / 0.56. On smooth synthetic
# scenes Navier-Stokes wins (plain 43.7 vs 41.4 dB, gradient 43.5 vs 40.9) at 1/20 the time.
AUTO_THICKNESS = 5.0
AUTO_THIN_METHOD = "ns"
AUTO_SMOOTH = 2.5
SMOOTH_RING = 10

# "auto" on photos: the exemplar fill of a thick hole is feathered into a Navier-Stokes fill
# over FEATHER px from the hole's edge -- diffusion is accurate next to known pixels, the
# exemplar's texture wins deeper in. benchmarks/remove_fill.py (24 real-photo composites,
# medians): hole PSNR 16.6 -> 18.3 dB, hole SSIM 0.427 -> 0.449 (the best of all methods;
# Navier-Stokes 19.0 dB / 0.436), texture error 2.6 -> 5.5 (Navier-Stokes 7.1: a smear).
# Not where the exemplar's patches match their surroundings to FEATHER_MIN_MATCH grey levels
# RMS: a repeating pattern, which the exemplar fill continues exactly. The synthetic scenes'
# textured backgrounds match at 0.9-2.3 (feathering them cost their stripes 39.5 -> 35.7 dB
# in inpaint_quality.py), photos at 0.5-16.5, median 8.5 (remove_fill.py prints both).
# Holes of inscribed radius <= FEATHER_MIN_RADIUS keep the plain exemplar fill: on the known
# textures of inpaint_quality.py feathering cost radius-8 holes SSIM 0.897 -> 0.832 and gave
# radius-20 holes 0.841 -> 0.887 (the threshold lies between the two).
FEATHER = 16.0
FEATHER_MIN_RADIUS = 12.0
FEATHER_MIN_MATCH = 2.5

PATCH_RADIUS = 3          # 7x7 patches: span a stripe or grain period; 5x5 lost structure
COARSEST_THICKNESS = 4.0  # stop the pyramid once the hole is about this thick ...
MIN_LEVEL_SIDE = 24       # ... or the image this small
EM_ITERS = (3, 4, 8)      # EM passes at the finest, next and all coarser levels
DESC_SCALE = 4.0          # source patches are stored as int16 in 1/4 grey levels
COARSE_RESTARTS = 4       # random starts at the coarsest level (see _multiscale)
PROPAGATION_STEPS = (1,)  # PatchMatch neighbours; a 4-px jump as well bought nothing
SEARCH_SHRINK = 0.3       # random-search radius ratio; 0.5 cost 40% more for the same fills
CROP_MARGIN = 1.5         # search for patches up to this many hole sizes around the hole
MAX_WORK_PIXELS = 250_000  # larger crops are filled downscaled (patch tables ~300 B/pixel)


def inpaint(image: np.ndarray, mask: np.ndarray, method: str = "auto", radius: int = 5,
            *, seed: int = 0, feather: float = FEATHER) -> np.ndarray:
    """Return a copy of ``image`` whose ``mask`` pixels are filled from the rest of the image.

    ``radius`` is OpenCV's inpainting neighbourhood for ``telea``/``ns`` (and for the thin
    holes ``auto`` sends to ``ns``); the exemplar fill does not use it. ``seed`` fixes the
    exemplar fill's random search. ``feather``: ``auto``'s exemplar fills blend into a
    Navier-Stokes fill over this many pixels from the hole's edge (0: none; see ``FEATHER``).
    Pixels outside ``mask`` are returned byte-identical.
    """
    image = check_image(image)
    m = check_mask(mask, image.shape)
    if method not in METHODS:
        raise ValidationError("method", f"unknown inpainting method {method!r}", METHODS)
    if not m.any():
        return image.copy()
    if m.all():
        raise ValidationError("mask", "covers the whole image; nothing to inpaint from")
    if method == "auto":
        thin, thick = _auto_split(image, m)
        out = image
        if thin.any():
            out = _cv_inpaint(out, thin, AUTO_THIN_METHOD, radius)
        if thick.any():
            out = feathered(out, thick, seed, radius, feather)
    elif method in ("telea", "ns"):
        out = _cv_inpaint(image, m, method, radius)
    else:
        out, _ = _multiscale(image, m, seed)
    return preserve(image, out, m)


def feathered(image: np.ndarray, mask: np.ndarray, seed: int, radius: int,
              feather: float) -> np.ndarray:
    """The exemplar fill, blended into a Navier-Stokes fill near the edge of every hole
    thicker than ``FEATHER_MIN_RADIUS`` (weight depth / ``feather`` for the exemplar: 0 at the
    edge, 1 from ``feather`` px in), unless its patches matched the surroundings closely (a
    repeating pattern). See ``FEATHER``."""
    ex, match = _multiscale(image, mask, seed)
    if feather <= 0 or match < FEATHER_MIN_MATCH:
        return ex
    ns = _cv_inpaint(image, mask, "ns", radius).astype(np.float32)
    labels, depth, peak = _component_depths(mask)
    w = np.where((peak > FEATHER_MIN_RADIUS)[labels], np.clip(depth / feather, 0.0, 1.0), 1.0)
    w = w[..., None]
    out = image.copy()
    mix = (1 - w) * ns + w * ex.astype(np.float32)
    out[mask] = np.clip(np.round(mix[mask]), 0, 255).astype(np.uint8)
    return out


def _depth(m: np.ndarray) -> np.ndarray:
    """Distance of every hole pixel to the nearest known pixel; the image border is not one
    (padding with "hole"), since no texture comes from outside the image."""
    padded = np.pad(m, 1, constant_values=True).astype(np.uint8)
    return cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]


def hole_thickness(mask: np.ndarray) -> float:
    """Largest inscribed radius of the mask in pixels: how far the deepest hole pixel is from
    a known pixel -- what decides how hard a hole is to fill."""
    m = np.asarray(mask, dtype=bool)
    return float(_depth(m).max()) if m.any() else 0.0


def split_by_thickness(mask: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Split a mask into (thin, thick) connected components by their inscribed radius."""
    m = np.asarray(mask, dtype=bool)
    labels, _, peak = _component_depths(m)
    thick = (peak > threshold)[labels] & m
    return m & ~thick, thick


def _component_depths(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(8-connected component labels, per-pixel ``_depth``, inscribed radius per label)."""
    n, labels = cv2.connectedComponents(m.astype(np.uint8), connectivity=8)
    depth = _depth(m)
    peak = np.zeros(n, np.float32)
    np.maximum.at(peak, labels[m], depth[m])
    return labels, depth, peak


def _auto_split(image: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(holes for AUTO_THIN_METHOD, holes for the exemplar fill): thin holes, and thick ones
    whose surroundings are smooth (nothing there for patches to continue)."""
    thin, thick = split_by_thickness(m, AUTO_THICKNESS)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(thick.astype(np.uint8), 8)
    r = SMOOTH_RING
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        y0, x0 = max(y - r - 1, 0), max(x - r - 1, 0)
        window = (slice(y0, y + h + r + 1), slice(x0, x + w + r + 1))
        comp = labels[window] == i
        if surround_roughness(image[window], comp, m[window]) <= AUTO_SMOOTH:
            thin[window] |= comp
            thick[window] &= ~comp
    return thin, thick


def surround_roughness(image: np.ndarray, hole: np.ndarray, unknown: np.ndarray) -> float:
    """RMS (grey levels per channel) of the known pixels within ``SMOOTH_RING`` px of
    ``hole`` around the best quadratic surface through them: ~0 for flat colour or a smooth
    gradient, the noise level for a noisy flat surface, large for any texture or edge."""
    ring = dilate(hole, SMOOTH_RING) & ~unknown
    ys, xs = np.nonzero(ring)
    if len(ys) < 12:
        return float("inf")  # too little to judge: let the exemplar fill decide
    scale = max(float(ys.std()), float(xs.std()), 1.0)
    y, x = (ys - ys.mean()) / scale, (xs - xs.mean()) / scale
    basis = np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=1)
    vals = image[ys, xs].astype(np.float64)
    coef, *_ = np.linalg.lstsq(basis, vals, rcond=None)
    return float(np.sqrt(np.mean((vals - basis @ coef) ** 2)))


def _cv_inpaint(image: np.ndarray, mask: np.ndarray, method: str, radius: int) -> np.ndarray:
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    return cv2.inpaint(np.ascontiguousarray(image), mask.astype(np.uint8), max(int(radius), 1),
                       flag)


# ----------------------------------------------------------------------- exemplar fill
def _multiscale(image: np.ndarray, mask: np.ndarray, seed: int,
                max_pixels: int | None = MAX_WORK_PIXELS) -> tuple[np.ndarray, float]:
    """The exemplar fill, and how well its patches matched at the finest level (RMS grey
    levels per patch value: ~1-2 on a repeating pattern, 3 and up on a photo)."""
    rng = np.random.default_rng(seed)
    # Work on a crop around the hole: distant pixels rarely help and cost time. The margin
    # gives the patch search a few hole-widths of texture on every side.
    x0, y0, x1, y1 = _crop_box(mask, image.shape)
    hole = mask[y0:y1, x0:x1]
    if max_pixels is not None and (x1 - x0) * (y1 - y0) > max_pixels:
        # A huge hole: synthesise at a resolution whose patch arrays fit in memory, then
        # upsample (the finest texture of such a hole comes out softer).
        f = (max_pixels / ((x1 - x0) * (y1 - y0))) ** 0.5
        size = (max(int((x1 - x0) * f), 1), max(int((y1 - y0) * f), 1))
        small = cv2.resize(image[y0:y1, x0:x1], size, interpolation=cv2.INTER_AREA)
        small_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        filled, match = _multiscale(small, small_hole, seed, max_pixels=None)
        up = cv2.resize(filled, (x1 - x0, y1 - y0), interpolation=cv2.INTER_CUBIC)
        out = image.copy()
        out[y0:y1, x0:x1][hole] = up[hole]
        return out, match
    img = image[y0:y1, x0:x1].astype(np.float32)

    # Split into a smooth base (illumination, gradients) and detail (texture). Copying patches
    # cannot extrapolate a gradient -- a patch from elsewhere has the wrong brightness -- but a
    # membrane (harmonic) fill reproduces linear ramps exactly; the texture is then copied as
    # detail on top of it.
    sigma = float(np.clip(hole_thickness(hole), 4.0, 32.0))
    known = (~hole).astype(np.float32)
    wsum = cv2.GaussianBlur(known, (0, 0), sigma)
    base = cv2.GaussianBlur(img * known[..., None], (0, 0), sigma) / np.maximum(wsum, 1e-6)[
        ..., None]
    base = harmonic_fill(base, hole)
    detail = img - base

    pyramid = [(detail, hole)]
    while True:
        cur_img, cur_hole = pyramid[-1]
        h, w = cur_hole.shape
        if min(h, w) // 2 < MIN_LEVEL_SIDE or hole_thickness(cur_hole) <= COARSEST_THICKNESS:
            break
        pyramid.append(_downsample(cur_img, cur_hole))

    c_img, c_hole = pyramid[-1]
    filled = np.where(c_hole[..., None], 0.0, c_img).astype(np.float32)
    nnf = None
    n_levels = len(pyramid)
    for level in range(n_levels - 1, -1, -1):
        lv_img, lv_hole = pyramid[level]
        if level < n_levels - 1:
            up = cv2.resize(filled, (lv_hole.shape[1], lv_hole.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
            filled = np.where(lv_hole[..., None], up, lv_img)
        # Coarse levels are cheap and decide the layout: iterate them more, and at the
        # coarsest try a few random starts, keeping the one whose patches match best (EM
        # only finds a local optimum; a bad start shows as a phase slip in stripes).
        em_iters = EM_ITERS[min(level, len(EM_ITERS) - 1)]
        starts = COARSE_RESTARTS if nnf is None else 1
        tries = [_fill_level(filled, lv_hole, nnf, rng, em_iters) for _ in range(starts)]
        filled, nnf, dist = min(tries, key=lambda t: t[2])

    out = image.copy()
    res = base + filled
    out[y0:y1, x0:x1][hole] = np.clip(np.round(res[hole]), 0, 255).astype(np.uint8)
    return out, float(np.sqrt(dist / ((2 * PATCH_RADIUS + 1) ** 2 * img.shape[-1])))


def harmonic_fill(values: np.ndarray, hole: np.ndarray, iters: int = 40) -> np.ndarray:
    """Fill ``hole`` with the smooth membrane (Laplace) interpolation of its border values,
    solved coarse to fine (Jacobi sweeps per level) so large holes converge quickly."""
    if hole.shape[0] > 16 and hole.shape[1] > 16 and hole.any() and not hole.all():
        small, small_hole = _downsample(values, hole)
        coarse = harmonic_fill(small, small_hole, iters)
        init = cv2.resize(coarse, (hole.shape[1], hole.shape[0]), interpolation=cv2.INTER_LINEAR)
    else:
        mean = values[~hole].mean(axis=0) if (~hole).any() else np.zeros(values.shape[-1])
        init = np.broadcast_to(mean, values.shape)
    out = np.where(hole[..., None], init, values).astype(np.float32)
    kernel = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)
    for _ in range(iters):
        avg = cv2.filter2D(out, -1, kernel, borderType=cv2.BORDER_REPLICATE)
        out[hole] = avg[hole]
    return out


def _crop_box(mask: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """The hole's box grown by ``CROP_MARGIN`` hole sizes (at least 48 px), in the image."""
    ys, xs = np.nonzero(mask)
    m = int(max(48.0, CROP_MARGIN * max(ys.max() - ys.min() + 1, xs.max() - xs.min() + 1)))
    h, w = shape[:2]
    return (max(xs.min() - m, 0), max(ys.min() - m, 0),
            min(xs.max() + 1 + m, w), min(ys.max() + 1 + m, h))


def _downsample(img: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Halve an image and its hole without letting hole colours leak into known pixels: a
    coarse pixel is known only if all the fine pixels under it are."""
    h, w = hole.shape
    size = ((w + 1) // 2, (h + 1) // 2)
    known = (~hole).astype(np.float32)
    k_small = cv2.resize(known, size, interpolation=cv2.INTER_AREA)
    v_small = cv2.resize(img * known[..., None], size, interpolation=cv2.INTER_AREA)
    small = v_small / np.maximum(k_small, 1e-6)[..., None]
    return small.astype(np.float32), k_small < 0.999


def _fill_level(img: np.ndarray, hole: np.ndarray, nnf_prev: np.ndarray | None,
                rng: np.random.Generator,
                em_iters: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Re-synthesise ``hole`` of one pyramid level by PatchMatch + patch voting.

    Returns the filled level, its nearest-neighbour field (H, W, 2: source centre y, x) for
    upsampling to the next level, and the mean patch distance (lower is a better fill).
    """
    p = PATCH_RADIUS
    h, w = hole.shape
    # Target patches: every patch that overlaps the hole (they vote for hole pixels).
    target = cv2.dilate(hole.astype(np.uint8), np.ones((2 * p + 1,) * 2, np.uint8)) > 0
    # Source patches: entirely known and entirely inside the image.
    valid = ~target
    valid[:p], valid[h - p:], valid[:, :p], valid[:, w - p:] = False, False, False, False
    src_y, src_x = np.nonzero(valid)
    if len(src_y) == 0:  # the hole leaves no complete patch: a smooth fill is all we can do
        return harmonic_fill(img, hole), np.zeros((h, w, 2), np.int32), 0.0

    ty, tx = np.nonzero(target)
    vote = _Voter(ty, tx, hole, p)

    # Initial field: upsampled from the coarser level where it is still valid, else random.
    sy = np.empty(len(ty), np.int64)
    sx = np.empty(len(ty), np.int64)
    if nnf_prev is not None:
        prev = nnf_prev[np.minimum(ty // 2, nnf_prev.shape[0] - 1),
                        np.minimum(tx // 2, nnf_prev.shape[1] - 1)]
        sy[:], sx[:] = 2 * prev[:, 0] + ty % 2, 2 * prev[:, 1] + tx % 2
        ok = _is_valid(valid, sy, sx)
    else:
        ok = np.zeros(len(ty), bool)
    pick = rng.integers(0, len(src_y), size=int((~ok).sum()))
    sy[~ok], sx[~ok] = src_y[pick], src_x[pick]

    index = np.full((h, w), -1, np.int64)  # target pixel -> row in ty/tx
    index[ty, tx] = np.arange(len(ty))
    # Start from a vote of the initial field (random at the coarsest level, the coarser
    # level's matches upsampled at the others), not from the smooth guess: matching against a
    # flat guess picks the flattest patches of the image and the fill stays washed out, while
    # the field's patches bring this level's finer texture with them.
    img = vote(img, sy, sx, np.zeros(len(ty)))
    # Source patches never overlap the hole, so their pixels are fixed for the whole level:
    # gather every patch once as a contiguous row; a patch distance is then one row gather.
    src_desc = _source_rows(img, p)
    # Target patches that stick out of the image see mirrored pixels there, which are not
    # the scene (mirrored stripes run the wrong way); leave them out of the distance.
    t_inside = None
    if ((ty < p) | (ty >= h - p) | (tx < p) | (tx >= w - p)).any():
        t_inside = _patch_rows(np.ones_like(img), p, ty, tx, border=cv2.BORDER_CONSTANT)
    for it in range(em_iters):
        t_desc = DESC_SCALE * _patch_rows(img, p, ty, tx)  # targets change with every vote

        def cost(cy: np.ndarray, cx: np.ndarray, rows: np.ndarray) -> np.ndarray:
            diff = src_desc[cy * w + cx].astype(np.float32) - t_desc[rows]
            if t_inside is not None:
                diff *= t_inside[rows]
            return np.einsum("nk,nk->n", diff, diff) / DESC_SCALE ** 2

        all_rows = np.arange(len(ty))
        best = cost(sy, sx, all_rows)
        for _ in range(2 if it == 0 else 1):
            _propagate(index, ty, tx, sy, sx, best, valid, cost)
            _random_search(sy, sx, best, valid, rng, cost, max(h, w))
        img = vote(img, sy, sx, best)
    nnf = np.zeros((h, w, 2), np.int32)
    nnf[ty, tx, 0], nnf[ty, tx, 1] = sy, sx
    return img, nnf, float(best.mean())


def _patch_view(img: np.ndarray, p: int, border: int = cv2.BORDER_REFLECT_101) -> np.ndarray:
    """(H, W, C, 2p+1, 2p+1) view of the patch around every pixel; the image is mirrored
    (or zero-padded) at its border so patches near it exist."""
    padded = cv2.copyMakeBorder(img, p, p, p, p, border, value=0)
    if padded.ndim == 2:  # OpenCV drops a single channel axis
        padded = padded[..., None]
    return np.lib.stride_tricks.sliding_window_view(padded, (2 * p + 1, 2 * p + 1), axis=(0, 1))


def _patch_rows(img: np.ndarray, p: int, ys: np.ndarray, xs: np.ndarray,
                border: int = cv2.BORDER_REFLECT_101) -> np.ndarray:
    """The patches around pixels ``ys, xs`` as float32 rows."""
    rows = _patch_view(img, p, border)[ys, xs]
    return np.ascontiguousarray(rows, dtype=np.float32).reshape(len(rows), -1)


def _source_rows(img: np.ndarray, p: int) -> np.ndarray:
    """The patch around every pixel as an int16 row (values x ``DESC_SCALE``), row-major.

    This is the largest array of the fill (49 x 3 values per pixel of the crop): int16
    halves it against float32 and, unlike float16, converts back at full speed. It is built
    in bands so no float32 copy of the whole thing ever exists.
    """
    view = _patch_view(img, p)
    h, w = img.shape[:2]
    out = np.empty((h * w, int(np.prod(view.shape[2:]))), np.int16)
    band = 32
    for y0 in range(0, h, band):
        blk = view[y0:y0 + band].reshape(-1, out.shape[1])
        out[y0 * w:y0 * w + len(blk)] = np.round(blk * DESC_SCALE)
    return out


def _is_valid(valid: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    h, w = valid.shape
    inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
    ok = np.zeros(len(y), bool)
    ok[inside] = valid[y[inside], x[inside]]
    return ok


def _try(rows, cy, cx, sy, sx, best, valid, cost) -> None:
    """Adopt candidate sources (cy, cx) for target ``rows`` where they are valid and better."""
    ok = _is_valid(valid, cy, cx)
    if not ok.any():
        return
    rows, cy, cx = rows[ok], cy[ok], cx[ok]
    d = cost(cy, cx, rows)
    better = d < best[rows]
    r = rows[better]
    sy[r], sx[r], best[r] = cy[better], cx[better], d[better]


def _propagate(index, ty, tx, sy, sx, best, valid, cost) -> None:
    """Parallel PatchMatch propagation: a neighbour's match, shifted back, is a candidate.
    Steps of 1 and 4 pixels so good matches spread across coarse-initialised areas fast."""
    h, w = index.shape
    for step in PROPAGATION_STEPS:
        for dy, dx in ((step, 0), (-step, 0), (0, step), (0, -step)):
            ny, nx = ty + dy, tx + dx
            inside = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
            rows = np.nonzero(inside)[0]
            nb = index[ny[inside], nx[inside]]
            has = nb >= 0
            rows, nb = rows[has], nb[has]
            _try(rows, sy[nb] - dy, sx[nb] - dx, sy, sx, best, valid, cost)


def _random_search(sy, sx, best, valid, rng, cost, radius: int) -> None:
    rows = np.arange(len(sy))
    r = float(radius)
    while r >= 1.0:
        cy = sy + np.round(rng.uniform(-r, r, len(sy))).astype(np.int64)
        cx = sx + np.round(rng.uniform(-r, r, len(sx))).astype(np.int64)
        _try(rows, cy, cx, sy, sx, best, valid, cost)
        r *= SEARCH_SHRINK


class _Voter:
    """Patch voting for one level: each hole pixel becomes the weighted mean of what the
    patches covering it propose; closer matches weigh more (sharper than a plain mean).

    The (patch, offset) pairs that land on hole pixels are fixed for a level, so they are
    listed once; contributions to known pixels are never computed.
    """

    def __init__(self, ty: np.ndarray, tx: np.ndarray, hole: np.ndarray, p: int):
        h, w = hole.shape
        dy, dx = (a.ravel() for a in np.mgrid[-p:p + 1, -p:p + 1])
        py, px = ty[:, None] + dy, tx[:, None] + dx
        ok = (py >= 0) & (py < h) & (px >= 0) & (px < w)
        ok[ok] = hole[py[ok], px[ok]]
        self.hy, self.hx = np.nonzero(hole)
        ordinal = np.full((h, w), -1, np.int64)
        ordinal[self.hy, self.hx] = np.arange(len(self.hy))
        self.row, k = np.nonzero(ok)            # which target patch, which offset
        self.dst = ordinal[py[ok], px[ok]]      # the hole pixel it lands on
        self.src_off = (dy * w + dx)[k]         # the same offset around the source centre
        self.w, self.k = w, len(dy)

    def __call__(self, img: np.ndarray, sy: np.ndarray, sx: np.ndarray,
                 best: np.ndarray) -> np.ndarray:
        c = img.shape[-1]
        d = best / (c * self.k)
        weight = np.exp(-d / (2.0 * max(float(np.median(d)), 1.0)))[self.row]
        # Source patches lie inside the image and outside the hole: read them unpadded.
        vals = img.reshape(-1, c)[(sy * self.w + sx)[self.row] + self.src_off]
        n = len(self.hy)
        wsum = np.bincount(self.dst, weight, minlength=n)
        out = img.copy()
        for ch in range(c):
            acc = np.bincount(self.dst, weight * vals[:, ch], minlength=n)
            out[self.hy, self.hx, ch] = acc / np.maximum(wsum, 1e-12)
        return out
