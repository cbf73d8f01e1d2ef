"""Which inpainting method looks better, per hole size? (Sets ``inpaint``'s "auto" rule.)

Builds 512x384 images whose background is known (plain, gradient, grainy noise, stripes,
wood grain, clouds), pastes solid shapes (disc, square, triangle) of several sizes on them,
fills the shapes with every method and compares the fill with the true background inside
the hole:

* PSNR (dB) over the hole pixels -- rewards getting the colours right, but also rewards a
  blurry average over a faithful-looking texture;
* SSIM (scikit-image), the per-pixel SSIM map averaged over the hole;
* texture error: |mean local std (7x7, grey) of the fill - that of the true background|
  inside the hole -- 0 means the fill is as busy as the real texture; a smeared fill scores
  about the texture's own contrast;
* median runtime, wall clock and CPU time (CPU is the steadier one on a shared machine;
  OpenCV may use more than one thread, so CPU can exceed wall).

A "mean" baseline (the hole painted with the mean colour of a ring around it) anchors the
numbers. Prints Markdown tables of medians and writes benchmarks/results/inpaint_quality.json.

    python benchmarks/inpaint_quality.py [--seeds 2] [--synthetic 8]

``--synthetic N`` also removes every object of N scenes of ``sceneedit.synthetic`` (skipped
when that module has no ``generate_scene(seed)``) and scores against the scene's clean
background; objects are put in the size class of the nearest shape radius.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from sceneedit.imageops.inpaint import METHODS, hole_thickness, inpaint

H, W = 384, 512
# Hole "radius" (half the shape's side) per size class; "thickness" in the JSON is the
# measured inscribed radius, which is what the auto rule looks at.
SIZES = {"tiny": 3, "small": 8, "medium": 20, "large": 50}
SHAPES = ("disc", "square", "triangle")
FILL_METHODS = tuple(m for m in METHODS if m != "auto") + ("auto",)
RESULTS = Path(__file__).resolve().parent / "results" / "inpaint_quality.json"


# ------------------------------------------------------------------ backgrounds
def _smooth_noise(rng: np.random.Generator, sigma: float) -> np.ndarray:
    n = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0), sigma)
    return n / (n.std() + 1e-9)


def make_background(kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:H, :W].astype(np.float32)
    c0, c1 = rng.uniform(30, 225, 3), rng.uniform(30, 225, 3)
    ramp = (xx / W * 0.6 + yy / H * 0.4)[..., None]
    if kind == "plain":
        img = np.broadcast_to(c0, (H, W, 3))
    elif kind == "gradient":
        img = c0 * (1 - ramp) + c1 * ramp
    elif kind == "noise":  # grainy surface on a gradient (paper, plaster, sensor noise)
        img = c0 * (1 - ramp) + c1 * ramp + rng.normal(0, 14, (H, W, 3))
    elif kind == "stripes":
        period, ang = rng.uniform(12, 30), rng.uniform(0, np.pi)
        t = (xx * np.cos(ang) + yy * np.sin(ang)) * 2 * np.pi / period
        s = (np.sin(t) > 0).astype(np.float32)[..., None]
        img = cv2.GaussianBlur((c0 * s + c1 * (1 - s)).astype(np.float32), (0, 0), 0.8)
    elif kind == "wood":  # grain lines along x, warped by low-frequency noise, fine streaks
        warp = 18 * _smooth_noise(rng, 25) + 0.15 * xx * rng.uniform(-0.3, 0.3)
        grain = np.sin((yy + warp) * 2 * np.pi / rng.uniform(9, 16)) ** 2
        streak = cv2.GaussianBlur(rng.standard_normal((H, W)).astype(np.float32), (0, 0),
                                  sigmaX=6, sigmaY=0.6)
        t = np.clip(grain + 0.6 * streak / (streak.std() + 1e-9) * 0.3, 0, 1)[..., None]
        light, dark = np.array([200, 150, 95]), np.array([120, 70, 35])
        img = light * (1 - t) + dark * t
    elif kind == "clouds":  # smooth fractal noise (foliage, sky, stone at a distance)
        f = sum(_smooth_noise(rng, s) / (i + 1) for i, s in enumerate((24, 8, 3, 1)))
        f = (f - f.min()) / (f.max() - f.min())
        img = c0 * (1 - f[..., None]) + c1 * f[..., None]
    else:
        raise ValueError(kind)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


BACKGROUNDS = ("plain", "gradient", "noise", "stripes", "wood", "clouds")


def make_hole(shape: str, radius: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cx = int(rng.uniform(radius + 10, W - radius - 10))
    cy = int(rng.uniform(radius + 10, H - radius - 10))
    m = np.zeros((H, W), np.uint8)
    if shape == "disc":
        cv2.circle(m, (cx, cy), radius, 1, -1)
    elif shape == "square":
        m[cy - radius:cy + radius, cx - radius:cx + radius] = 1
    else:
        pts = np.array([[cx, cy - radius], [cx - radius, cy + radius], [cx + radius, cy + radius]])
        cv2.fillPoly(m, [pts.astype(np.int32)], 1)
    return m.astype(bool)


# ------------------------------------------------------------------ scoring
def _local_std(img: np.ndarray) -> np.ndarray:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    mu = cv2.blur(g, (7, 7))
    return np.sqrt(np.maximum(cv2.blur(g * g, (7, 7)) - mu * mu, 0))


def score(truth: np.ndarray, out: np.ndarray, hole: np.ndarray) -> dict[str, float]:
    d = truth[hole].astype(np.float64) - out[hole]
    mse = float(np.mean(d ** 2))
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
    ys, xs = np.nonzero(hole)
    y0, y1 = max(ys.min() - 8, 0), min(ys.max() + 9, truth.shape[0])
    x0, x1 = max(xs.min() - 8, 0), min(xs.max() + 9, truth.shape[1])
    _, smap = structural_similarity(truth[y0:y1, x0:x1], out[y0:y1, x0:x1], channel_axis=2,
                                    data_range=255, full=True)
    ssim = float(smap.mean(axis=-1)[hole[y0:y1, x0:x1]].mean())
    tex = abs(float(_local_std(out)[hole].mean()) - float(_local_std(truth)[hole].mean()))
    return {"psnr": float(psnr), "ssim": ssim, "texture_err": tex}


def mean_fill(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    ring = cv2.dilate(hole.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & ~hole
    out = image.copy()
    out[hole] = np.round(image[ring].mean(axis=0)).astype(np.uint8)
    return out


def run_case(truth: np.ndarray, hole: np.ndarray, color, meta: dict) -> list[dict]:
    image = truth.copy()
    image[hole] = color
    rows = []
    for method in ("mean",) + FILL_METHODS:
        out, timing = _timed(method, image, hole)
        assert np.array_equal(out[~hole], image[~hole]), f"{method} changed pixels outside"
        rows.append({**meta, "method": method, **timing, **score(truth, out, hole)})
    return rows


def _timed(method: str, image: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, dict]:
    """Run one method; wall and CPU seconds (CPU is steadier on a shared machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = mean_fill(image, hole) if method == "mean" else inpaint(image, hole, method)
    return out, {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}


# ------------------------------------------------------------------ synthetic scenes
def synthetic_cases(n: int) -> list[dict]:
    try:
        from sceneedit.synthetic import generate_scene  # type: ignore[attr-defined]
    except ImportError:
        print("sceneedit.synthetic.generate_scene not available; synthetic mode skipped")
        return []
    rows = []
    for seed in range(n):
        scene = generate_scene(seed)
        objects = getattr(scene.graph, "objects", scene.graph)
        for obj in objects:
            hole = np.asarray(obj.mask.to_array(), dtype=bool)
            if not hole.any() or hole.all():
                continue
            thickness = hole_thickness(hole)
            meta = {"set": "synthetic", "background": f"scene:{scene.style.split()[0]}",
                    "shape": obj.label, "size": _size_class(thickness), "seed": seed,
                    "thickness": thickness}
            image = np.asarray(scene.image)
            truth = np.asarray(scene.background)
            for method in ("mean",) + FILL_METHODS:
                out, timing = _timed(method, image, hole)
                rows.append({**meta, "method": method, **timing, **score(truth, out, hole)})
    return rows


def _size_class(thickness: float) -> str:
    """The size class whose shapes are closest in inscribed radius (geometric midpoints)."""
    radii = list(SIZES.values())
    for name, r, nxt in zip(SIZES, radii, radii[1:] + [float("inf")]):
        if thickness <= (r * nxt) ** 0.5:
            return name
    return "large"


# ------------------------------------------------------------------ report
def summarise(rows: list[dict], keys: tuple[str, ...]) -> dict[str, dict[str, float]]:
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault("/".join(str(r[k]) for k in keys), []).append(r)
    return {g: {m: statistics.median(r[m] for r in rs)
                for m in ("psnr", "ssim", "texture_err", "seconds", "cpu_seconds")} | {"n": len(rs)}
            for g, rs in groups.items()}


def markdown(summary: dict[str, dict[str, float]], title: str) -> str:
    lines = [f"### {title}", "",
             "| group | PSNR dB | SSIM | texture err | wall ms | CPU ms | n |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for g, s in summary.items():
        lines.append(f"| {g} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['texture_err']:.2f} | "
                     f"{1000 * s['seconds']:.0f} | {1000 * s['cpu_seconds']:.0f} | {s['n']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=2, help="images per background x size x shape")
    ap.add_argument("--synthetic", type=int, default=8,
                    help="synthetic scenes whose objects are removed too (0: none)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    rows: list[dict] = []
    case = 0
    for bg in BACKGROUNDS:
        for seed in range(args.seeds):
            truth = make_background(bg, seed)
            for size, radius in SIZES.items():
                for shape in SHAPES:
                    case += 1
                    hole = make_hole(shape, radius, 1000 * seed + case)
                    color = np.random.default_rng(case).integers(0, 256, 3).astype(np.uint8)
                    meta = {"set": "textures", "background": bg, "shape": shape, "size": size,
                            "seed": seed, "thickness": hole_thickness(hole)}
                    rows += run_case(truth, hole, color, meta)
    rows += synthetic_cases(args.synthetic)

    textures = [r for r in rows if r["set"] == "textures"]
    synthetic = [r for r in rows if r["set"] == "synthetic"]
    by_size = summarise(textures, ("size", "method"))
    by_bg = summarise([r for r in textures if r["size"] in ("medium", "large")],
                      ("background", "method"))
    print(markdown(by_size, "Known textures: medians per hole size and method"))
    print()
    print(markdown(by_bg, "Known textures: medians per background (medium and large holes)"))
    report = {"sizes": SIZES, "backgrounds": BACKGROUNDS, "by_size": by_size,
              "by_background": by_bg}
    if synthetic:
        report["synthetic_by_size"] = summarise(synthetic, ("size", "method"))
        report["synthetic_by_background"] = summarise(synthetic, ("background", "method"))
        print()
        print(markdown(report["synthetic_by_size"],
                       f"Synthetic scenes (objects removed, {args.synthetic} scenes): medians "
                       "per hole size"))
        print()
        print(markdown(report["synthetic_by_background"],
                       "Synthetic scenes: medians per background style"))
    report["rows"] = rows
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"\nwrote {args.out}")
    return report


if __name__ == "__main__":
    main()
