"""Removing an object from a photo: which fill restores the background best?

Composites with a known clean background: one object (a shape textured with a crop of one real
photo, shaded, soft-edged; ``photo_composites``) pasted onto a crop of another real photo
(scikit-image samples). Each method fills the object's mask grown by ``DILATE`` px (as the
remove brick does), and the result is compared with the clean crop:

* PSNR (dB) and SSIM inside the hole (SSIM: scikit-image's map averaged over hole pixels) and
  over the whole image;
* texture error: |mean local std (7x7, grey) of the fill - that of the truth| inside the hole
  (0 = as busy as the real background; a smear scores about the texture's own contrast);
* median wall-clock time.

Methods: sceneedit's ``inpaint`` methods (``auto``, the default, ``multiscale``, OpenCV's
``telea`` and ``ns``), the previous default (``auto`` without feathering) and scikit-image's
``inpaint_biharmonic``. Medians over the composites; time ratios are against the previous
default measured in the same run. ``--feathers 3 10`` also runs ``auto`` with other feather
widths (how ``inpaint.FEATHER`` was chosen).

    PYTHONPATH=. python benchmarks/remove_fill.py [--composites 24] [--size 0.15 0.35]

Needs scikit-image (the ``eval`` extra).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.photo_composites import make_scene  # noqa: E402
from sceneedit.imageops.inpaint import (FEATHER_MIN_MATCH, METHODS, _multiscale,  # noqa: E402
                                        inpaint, surround_roughness)
from sceneedit.masks import dilate  # noqa: E402

DILATE = 3  # px: covers the pasted object's soft edge, as a removal mask would


def biharmonic(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    from skimage.restoration import inpaint_biharmonic

    out = inpaint_biharmonic(image, hole, channel_axis=-1)
    res = image.copy()
    res[hole] = np.clip(np.round(out[hole] * 255), 0, 255).astype(np.uint8)
    return res


BEFORE = "auto feather 0 (before)"


def fills(feathers: list[float]) -> dict:
    out = {BEFORE: lambda img, hole: inpaint(img, hole, "auto", feather=0)}
    out |= {m: (lambda img, hole, m=m: inpaint(img, hole, m)) for m in METHODS}
    out |= {f"auto feather {f:g}": (lambda img, hole, f=f: inpaint(img, hole, "auto", feather=f))
            for f in feathers}
    out["biharmonic"] = biharmonic
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from skimage.metrics import structural_similarity

    _, full = structural_similarity(a, b, channel_axis=-1, data_range=255, full=True)
    return full.mean(axis=-1)


def texture(img: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mu = cv2.blur(g, (7, 7))
    return np.sqrt(np.maximum(cv2.blur(g * g, (7, 7)) - mu * mu, 0))


def score(out: np.ndarray, clean: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    smap = ssim_map(out, clean)
    return {"psnr_hole": psnr(out[hole], clean[hole]), "ssim_hole": float(smap[hole].mean()),
            "psnr_image": psnr(out, clean), "ssim_image": float(smap.mean()),
            "texture_err": abs(float(texture(out)[hole].mean() - texture(clean)[hole].mean()))}


def synthetic_matches(n: int) -> list[float]:
    """The exemplar's patch match when removing objects of ``n`` synthetic scenes, where
    the surroundings are textured (smooth ones never reach the exemplar fill)."""
    from sceneedit.imageops.inpaint import AUTO_SMOOTH
    from sceneedit.synthetic import generate_scene

    out = []
    for seed in range(n):
        scene = generate_scene(seed)
        image = np.asarray(scene.image)
        for obj in scene.graph.objects:
            hole = obj.mask.to_array()
            if surround_roughness(image, hole, hole) > AUTO_SMOOTH:
                out.append(_multiscale(image, hole, 0)[1])
    return out


def _range(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{min(values):.1f} / {float(np.median(values)):.1f} / {max(values):.1f} " \
           f"(min / median / max of {len(values)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--composites", type=int, default=24)
    ap.add_argument("--size", type=float, nargs=2, default=(0.15, 0.35),
                    help="object size range, as fractions of the crop's sides")
    ap.add_argument("--synthetic", type=int, default=8,
                    help="synthetic scenes whose objects' exemplar match is reported")
    ap.add_argument("--feathers", type=float, nargs="*", default=[],
                    help="also run auto with these feather widths (px)")
    args = ap.parse_args()
    methods = fills(args.feathers)
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in methods}
    matches: list[float] = []
    for seed in range(args.composites):
        sc = make_scene(1000 + seed, n_objects=1, size=tuple(args.size))
        hole = dilate(sc.masks[0], DILATE)
        matches.append(_multiscale(sc.image, hole, 0)[1])
        for name, fn in methods.items():
            t0 = time.perf_counter()
            out = fn(sc.image, hole)
            dt = time.perf_counter() - t0
            assert (out[~hole] == sc.image[~hole]).all(), name
            rows[name].append({**score(out, sc.clean, hole), "seconds": dt})
    med = {k: {m: float(np.median([r[m] for r in v])) for m in v[0]} for k, v in rows.items()}
    base = med[BEFORE]
    print(f"remove on photo composites: {args.composites} objects (size {args.size[0]}-"
          f"{args.size[1]} of a 240x320 crop), hole = mask + {DILATE} px; medians\n")
    print("| method | PSNR hole dB | vs before | SSIM hole | vs before | PSNR image dB | "
          "SSIM image | texture err | ms | time vs before |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k, m in med.items():
        print(f"| {k} | {m['psnr_hole']:.2f} | {m['psnr_hole'] - base['psnr_hole']:+.2f} dB | "
              f"{m['ssim_hole']:.3f} | {m['ssim_hole'] / base['ssim_hole']:.3f}x | "
              f"{m['psnr_image']:.2f} | {m['ssim_image']:.4f} | {m['texture_err']:.2f} | "
              f"{1000 * m['seconds']:.0f} | {m['seconds'] / base['seconds']:.2f}x |")
    print(f"\nexemplar patch match (RMS grey levels; auto feathers above FEATHER_MIN_MATCH = "
          f"{FEATHER_MIN_MATCH}): these photos {_range(matches)}; synthetic scenes' textured "
          f"backgrounds {_range(synthetic_matches(args.synthetic))}")
    wins = {k: sum(r["psnr_hole"] > b["psnr_hole"] for r, b in zip(v, rows[BEFORE]))
            for k, v in rows.items() if k != BEFORE}
    print("\ncomposites where a method's hole PSNR beats the previous default's: " +
          ", ".join(f"{k} {n}/{args.composites}" for k, n in wins.items()))


if __name__ == "__main__":
    main()
