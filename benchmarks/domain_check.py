"""Does the classical perceiver's domain check refuse real photos and accept synthetic scenes?

    python benchmarks/domain_check.py --scenes 1000

Photos: every real photograph that ships inside scikit-image (``skimage.data``'s bundled
files; those it downloads on first use are not shipped and not tried). Graphics that ship with it
(a logo, a colour wheel, a silhouette, test patterns) are no photos: their scores are shown
for information and not counted. Scenes: ``generate_scene`` over seeds, cycling through every
background style (the textured ones included) and four canvas sizes. Prints the refusal rate
on photos, the acceptance rate on scenes and the score margins (a score > 0 is accepted), and
saves them as JSON under benchmarks/results/.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from sceneedit.perception.domain import CLASSICAL_DOMAIN, domain_score

# skimage.data photographs (name -> what it is); lfw_subset holds 200 25x25 face crops
PHOTOS = {
    "astronaut": "portrait, colour", "coffee": "cup, colour", "chelsea": "cat, colour",
    "rocket": "launch, colour", "camera": "cameraman, grey", "hubble_deep_field": "telescope",
    "retina": "fundus photo", "coins": "coins, grey", "moon": "moon surface, grey",
    "page": "scanned page, grey", "text": "photographed text, grey", "grass": "grass, grey",
    "gravel": "gravel, grey", "brick": "brick wall, grey", "cell": "microscopy, grey",
    "immunohistochemistry": "microscopy, colour", "microaneurysms": "retina crop, grey",
    "clock": "motion-blurred clock, grey", "stereo_motorcycle": "stereo pair, colour",
    "lfw_subset": "faces, grey",
}  # eagle, kidney, lily, skin, cells3d are downloaded on first use, not shipped: not here
GRAPHICS = ("logo", "colorwheel", "horse", "checkerboard", "binary_blobs",
            "shepp_logan_phantom")
SIZES = ((512, 384), (640, 480), (384, 384), (320, 240))
FACES_EVERY = 20   # 10 of lfw_subset's 200 faces


def as_rgb(x: np.ndarray) -> np.ndarray | None:
    """An HxWx3 uint8 view of a skimage sample (None for volumes and other non-images)."""
    x = np.asarray(x)
    if x.dtype == bool:
        x = x.astype(np.uint8) * 255
    elif x.dtype != np.uint8:
        x = x.astype(np.float64)
        x = (255 * (x - x.min()) / max(float(np.ptp(x)), 1e-9)).round().astype(np.uint8)
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    if x.ndim != 3 or x.shape[2] not in (3, 4) or min(x.shape[:2]) < 8:
        return None
    return np.ascontiguousarray(x[..., :3])


def _samples(names) -> Iterator[tuple[str, np.ndarray | None, str | None]]:
    import skimage.data

    for name in names:
        try:
            value = getattr(skimage.data, name)()
        except Exception as exc:  # not bundled and not downloadable here
            yield name, None, f"{type(exc).__name__}"
            continue
        if name == "stereo_motorcycle":
            yield "motorcycle_left", as_rgb(value[0]), None
            yield "motorcycle_right", as_rgb(value[1]), None
        elif name == "lfw_subset":
            for i in range(0, len(value), FACES_EVERY):
                yield f"lfw_face_{i}", as_rgb(value[i]), None
        else:
            image = as_rgb(value)
            yield name, image, None if image is not None else "not a 2-D image"


def packaged_photos() -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(name -> RGB photo) for every photo scikit-image holds here, and (name -> why skipped)."""
    photos, skipped = {}, {}
    for name, image, why in _samples(PHOTOS):
        if image is None:
            skipped[name] = why or "unreadable"
        else:
            photos[name] = image
    return photos, skipped


def packaged_graphics() -> dict[str, np.ndarray]:
    return {n: im for n, im, _ in _samples(GRAPHICS) if im is not None}


def scene_images(n: int, first_seed: int = 0) -> Iterator[tuple[int, str, np.ndarray]]:
    """``n`` generated scenes: (seed, "style WxH", image), every background style in turn."""
    from sceneedit.synthetic import generate_scene
    from sceneedit.synthetic.backgrounds import STYLES

    for seed in range(first_seed, first_seed + n):
        style, (w, h) = STYLES[seed % len(STYLES)], SIZES[(seed // len(STYLES)) % len(SIZES)]
        scene = generate_scene(seed, width=w, height=h, background=style)
        yield seed, f"{scene.style} {w}x{h}", scene.image


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=1000)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "domain_check.json"))
    args = ap.parse_args()

    photos, skipped = packaged_photos()
    rows, seconds = [], []
    for name, image in photos.items():
        t0 = time.perf_counter()
        s = domain_score(image)
        seconds.append(time.perf_counter() - t0)
        rows.append({"name": name, "shape": list(image.shape), **s.as_dict()})
    graphics = {n: domain_score(im).as_dict() for n, im in packaged_graphics().items()}
    scenes = []
    for seed, what, image in scene_images(args.scenes):
        t0 = time.perf_counter()
        s = domain_score(image)
        seconds.append(time.perf_counter() - t0)
        scenes.append({"seed": seed, "scene": what, **s.as_dict()})

    refused = sum(not r["in_domain"] for r in rows)
    accepted = sum(s["in_domain"] for s in scenes)
    photo_max = max(rows, key=lambda r: r["score"])
    scene_min = min(scenes, key=lambda s: s["score"])
    print(f"{'photo':<22} {'noise corr':>10} {'texture':>8} {'score':>7}  verdict")
    for r in sorted(rows, key=lambda r: -r["score"]):
        print(f"{r['name']:<22} {r['noise_correlation']:>10.3f} {r['texture']:>8.2f} "
              f"{r['score']:>+7.2f}  {'ACCEPTED' if r['in_domain'] else 'refused'}")
    for n, g in graphics.items():
        print(f"{'(graphic) ' + n:<22} {g['noise_correlation']:>10.3f} {g['texture']:>8.2f} "
              f"{g['score']:>+7.2f}  {'accepted' if g['in_domain'] else 'refused'}")
    if skipped:
        print(f"skipped (not on this machine): {', '.join(f'{k} ({v})' for k, v in skipped.items())}")
    corr = [s["noise_correlation"] for s in scenes]
    tex = [s["texture"] for s in scenes]
    print()
    print("| set | images | rate | score: worst | median | statistic |")
    print("|---|---|---|---|---|---|")
    print(f"| real photos (refused) | {len(rows)} | {refused / len(rows):.1%} | "
          f"{photo_max['score']:+.2f} ({photo_max['name']}) | "
          f"{statistics.median(r['score'] for r in rows):+.2f} | noise corr >= "
          f"{min(r['noise_correlation'] for r in rows):.2f} |")
    print(f"| generated scenes (accepted) | {len(scenes)} | {accepted / len(scenes):.1%} | "
          f"{scene_min['score']:+.2f} (seed {scene_min['seed']}, {scene_min['scene']}) | "
          f"{statistics.median(s['score'] for s in scenes):+.2f} | noise corr <= "
          f"{max(corr):.2f}, texture <= {max(tex):.2f} |")
    print(f"\nlimits: noise corr {CLASSICAL_DOMAIN.max_noise_correlation}, texture "
          f"{CLASSICAL_DOMAIN.max_texture}; score = min(1 - corr/limit, 1 - texture/limit); "
          f"median time {statistics.median(seconds) * 1000:.0f} ms per image")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "machine": platform.platform(), "photos": rows, "graphics": graphics,
        "skipped": skipped, "scenes": len(scenes), "scene_accept_rate": accepted / len(scenes),
        "photo_refuse_rate": refused / len(rows), "worst_scene": scene_min,
        "best_photo": photo_max, "median_seconds": statistics.median(seconds)}, indent=1))
    print(f"saved {out}")
    return 0 if refused == len(rows) and accepted == len(scenes) else 1


if __name__ == "__main__":
    sys.exit(main())
