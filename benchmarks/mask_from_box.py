"""How well does a box become an object-shaped mask? (Sets ``perception.box_segment``.)

Scenes from ``photo_composites.make_scene``: 1-3 objects (ellipses, polygons, stars, smooth
blobs, the horse silhouette) textured with crops of real photos (scikit-image samples), shaded,
pasted with a soft edge onto a crop of another real photo; each object's box is its true box
with 0-6 % slack per side, as hand-drawn or detector boxes have. Every method gets the same
image and box; IoU is against the object's exact visible mask.

* ``box``         -- the filled box (what sceneedit used before);
* ``grabcut``     -- plain ``cv2.grabCut`` with the box as its rect on the whole image, 5 rounds;
* ``ours``        -- ``GrabCutSegmenter`` (crop around the box, probable-background band inside
                     the box edge, largest piece with holes filled);
* with ``--alternatives``: ``watershed`` (cv2.watershed) and ``random_walker``
  (scikit-image) seeded the same way (outside the box = background, a centre ellipse of 30 %
  of the box = object).

    PYTHONPATH=. python benchmarks/mask_from_box.py [--scenes 60] [--alternatives]
    PYTHONPATH=. python benchmarks/mask_from_box.py --docs docs/img   # the docs figures

Prints a Markdown table: median and 10th-percentile IoU, mean IoU and median milliseconds per
object, with time ratios against plain GrabCut measured in the same run. Needs scikit-image.
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
from sceneedit.masks import box_to_mask, iou  # noqa: E402
from sceneedit.perception.box_segment import GrabCutSegmenter, _crop  # noqa: E402


def box_mask(image: np.ndarray, box) -> np.ndarray:
    return box_to_mask(box, *image.shape[:2])


def plain_grabcut(image: np.ndarray, box) -> np.ndarray:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.setRNGSeed(0)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), mask, (x0, y0, x1 - x0, y1 - y0), bgd,
                fgd, 5, cv2.GC_INIT_WITH_RECT)
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def ours(image: np.ndarray, box) -> np.ndarray:
    return GrabCutSegmenter().segment(image, [box])[0]


def _seeded(image: np.ndarray, box):
    """(crop, labels 0 unknown / 1 background / 2 object, crop box) for the seeded methods."""
    h, w = image.shape[:2]
    cx0, cy0, cx1, cy1 = _crop(box, h, w)
    x0, y0, x1, y1 = (int(round(v)) for v in (box[0] - cx0, box[1] - cy0, box[2] - cx0,
                                               box[3] - cy0))
    labels = np.ones((cy1 - cy0, cx1 - cx0), np.uint8)
    labels[y0:y1, x0:x1] = 0
    cv2.ellipse(labels, ((x0 + x1) // 2, (y0 + y1) // 2),
                (max(int(0.15 * (x1 - x0)), 1), max(int(0.15 * (y1 - y0)), 1)), 0, 0, 360, 2, -1)
    return image[cy0:cy1, cx0:cx1], labels.astype(np.int32), (cx0, cy0, cx1, cy1)


def _paste(shape, sub_mask, crop_box) -> np.ndarray:
    out = np.zeros(shape[:2], bool)
    cx0, cy0, cx1, cy1 = crop_box
    out[cy0:cy1, cx0:cx1] = sub_mask
    return out


def watershed(image: np.ndarray, box) -> np.ndarray:
    sub, labels, cb = _seeded(image, box)
    r = cv2.watershed(cv2.cvtColor(np.ascontiguousarray(sub), cv2.COLOR_RGB2BGR), labels)
    return _paste(image.shape, r == 2, cb)


def random_walker(image: np.ndarray, box) -> np.ndarray:
    import warnings

    from skimage.segmentation import random_walker as rw

    sub, labels, cb = _seeded(image, box)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = rw(sub.astype(np.float32) / 255, labels, beta=130, channel_axis=-1, mode="cg_j")
    return _paste(image.shape, r == 2, cb)


METHODS = {"box": box_mask, "grabcut": plain_grabcut, "ours": ours}
ALTERNATIVES = {"watershed": watershed, "random_walker": random_walker}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", type=int, default=60)
    ap.add_argument("--alternatives", action="store_true")
    ap.add_argument("--docs", type=Path, help="write the docs figures to this folder and stop")
    args = ap.parse_args()
    if args.docs:
        docs_figures(args.docs)
        return
    methods = {**METHODS, **(ALTERNATIVES if args.alternatives else {})}
    scores = {k: [] for k in methods}
    times = {k: [] for k in methods}
    for seed in range(args.scenes):
        sc = make_scene(seed)
        for truth, box in zip(sc.masks, sc.boxes):
            for name, fn in methods.items():
                t0 = time.perf_counter()
                pred = fn(sc.image, box)
                times[name].append(time.perf_counter() - t0)
                scores[name].append(iou(pred, truth))
    n = len(scores["box"])
    base = float(np.median(times["grabcut"]))
    print(f"mask from box: {n} objects in {args.scenes} photo-textured scenes (240x320)\n")
    print("| method | median IoU | p10 IoU | mean IoU | ms / object | time vs grabcut |")
    print("|---|---|---|---|---|---|")
    for name in methods:
        s, t = np.array(scores[name]), float(np.median(times[name]))
        print(f"| {name} | {np.median(s):.3f} | {np.percentile(s, 10):.3f} | {s.mean():.3f} | "
              f"{1000 * t:.1f} | {t / base:.2f}x |")


# ------------------------------------------------------------------ docs figures
# Hand-drawn boxes around one object in three scikit-image photos (docs/masks-from-boxes.md).
DOC_BOXES = {"astronaut": ("the shuttle model", [350, 2, 468, 292]),
             "coffee": ("the cup", [168, 14, 428, 312]),
             "chelsea": ("the left eye", [128, 78, 216, 152])}


def _overlay(image: np.ndarray, mask: np.ndarray, box, color) -> np.ndarray:
    out = image.astype(np.float32)
    out[mask] = 0.55 * out[mask] + 0.45 * np.array(color, np.float32)
    out = out.astype(np.uint8)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(out, contours, -1, color, 2)
    x0, y0, x1, y1 = (int(v) for v in box)
    cv2.rectangle(out, (x0, y0), (x1, y1), (255, 255, 0), 2)
    return out


def docs_figures(out_dir: Path, height: int = 220) -> None:
    """One PNG per photo: box as mask | shaped mask | removed inside the box | removed
    inside the shaped mask (both with ``inpaint``'s default, mask grown by 3 px)."""
    from skimage import data

    from sceneedit.imageops.inpaint import inpaint
    from sceneedit.io import save_image
    from sceneedit.masks import dilate

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, (what, box) in DOC_BOXES.items():
        image = getattr(data, name)()
        bm = box_mask(image, box)
        shaped = ours(image, box)
        panels = [_overlay(image, bm, box, (255, 60, 60)),
                  _overlay(image, shaped, box, (60, 255, 60)),
                  inpaint(image, dilate(bm, 3)), inpaint(image, dilate(shaped, 3))]
        h, w = image.shape[:2]
        size = (int(round(w * height / h)), height)
        row = np.concatenate([cv2.resize(p, size, interpolation=cv2.INTER_AREA)
                              for p in panels], axis=1)
        save_image(out_dir / f"mask-from-box-{name}.png", row)
        print(f"{name} ({what}): box {box}, shaped mask fills "
              f"{shaped.sum() / bm.sum():.0%} of the box")


if __name__ == "__main__":
    main()
