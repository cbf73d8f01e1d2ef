"""The classical perception code as a ``Detector`` and a ``Segmenter`` (``api.py``), so the
refinement loop runs on the synthetic domain without weights, exactly as it runs on Grounding
DINO + SAM.

The image-level work (``segment.segment``: background model and foreground regions) plays the
part of a foundation model's image encoder: it runs once per distinct image (keyed by content
hash) and every later prompt on that image reads the cached result. ``encoder_calls`` counts
those runs.

Scores, so that lower thresholds find more:
- box score = the classifier's confidence (``classify.classify``: 0.5 near a decision
  threshold, up to 0.99 far from every threshold);
- text score = how well the phrase names the region: 1.0 for its category (name, synonym,
  plural), ``COLOR_MISMATCH_SCORE`` when the phrase names another colour than the region's,
  ``KIND_SCORE`` when the phrase names the category's kind ("fruit" for a banana).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..synthetic.categories import CATEGORIES, KINDS, LEXICON
from .api import Detection
from .cache import CACHE_IMAGES, ContentCache
from .classical import check_rgb
from .classify import classify
from .needs import canonical_name, parse_phrase
from .segment import FG_THRESHOLD, Region, Segmentation, segment
from .shapes import shape_features

BOX_THRESHOLD = 0.6     # default: the classifier's clear calls only
TEXT_THRESHOLD = 0.7    # default: the phrase names the category (and its colour, if any)
KIND_SCORE = 0.6        # "fruit" for a banana: right kind, not named
COLOR_MISMATCH_SCORE = 0.45  # "red mug" for a blue mug: right category, other colour
# A region belongs to a box when at least this share of its pixels lies inside the box
# (a loose or slightly tight box still gets the whole object).
REGION_IN_BOX = 0.5
BOX_MARGIN_PX = 2       # masks are clipped to the box grown by this much

@dataclass(frozen=True)
class _Seen:
    """One region as the classifier saw it."""

    region: Region
    label: str
    score: float
    color: str


def _classify_all(seg: Segmentation) -> list[_Seen]:
    out = []
    for region in seg.regions:
        features = shape_features(region, seg.lab)
        label, score = classify(features)
        out.append(_Seen(region, label, score, features.body))
    # A stable order (top-left first) so that equal inputs give equal outputs.
    return sorted(out, key=lambda s: (s.region.box[1], s.region.box[0]))


def text_score(phrase: str, label: str, color: str | None) -> float:
    """How well ``phrase`` names a region of category ``label`` and colour ``color``."""
    noun, want_color, _ = parse_phrase(phrase, LEXICON)
    if not noun:
        return 0.0
    if canonical_name(noun, LEXICON) == label:
        return 1.0 if want_color is None or want_color == color else COLOR_MISMATCH_SCORE
    if noun in KINDS and CATEGORIES[label].kind == noun:
        return KIND_SCORE
    return 0.0


class ClassicalDetector:
    """``Detector`` over the classical segmentation and shape classifier (synthetic domain)."""

    name = "classical-detector"
    lexicon = LEXICON  # the names it can find are the synthetic domain's

    def __init__(self, segmentations: ContentCache[Segmentation] | None = None,
                 max_images: int = CACHE_IMAGES):
        # Sharing a segmenter's cache (``classical_backends``) encodes each image once for
        # both; on its own the detector keeps a cache of its own.
        self.segmentations = segmentations or ContentCache(segment, max_images)
        self._cache: ContentCache[list[_Seen]] = ContentCache(
            lambda image: _classify_all(self.segmentations.get(image)), max_images)

    @property
    def encoder_calls(self) -> int:
        """Segmentations run by or for this detector's cache (crops included)."""
        return self.segmentations.computed

    def detect(self, image: np.ndarray, phrases: Sequence[str], *,
               box_threshold: float | None = None,
               text_threshold: float | None = None) -> list[Detection]:
        image = check_rgb(image)
        box_t = BOX_THRESHOLD if box_threshold is None else box_threshold
        text_t = TEXT_THRESHOLD if text_threshold is None else text_threshold
        phrases = [p for p in dict.fromkeys(phrases) if p.strip()]
        out = []
        for seen in self._cache.get(image):
            if seen.score < box_t:
                continue
            # Each region answers at most one phrase (the best named; the first on ties):
            # one instance, one detection, never a merged "glass oil" label.
            best = max(((text_score(p, seen.label, seen.color), -i, p)
                        for i, p in enumerate(phrases)), default=None)
            if best is None or best[0] <= 0 or best[0] < text_t:
                continue
            out.append(Detection(phrase=best[2], box=tuple(float(v) for v in seen.region.box),
                                 score=seen.score,
                                 extra={"text_score": best[0], "label": seen.label,
                                        "color": seen.color}))
        return sorted(out, key=lambda d: (-d.score, d.box))


class ClassicalSegmenter:
    """``Segmenter``: the foreground region(s) inside each box, from the cached segmentation."""

    name = "classical-segmenter"

    def __init__(self, max_images: int = CACHE_IMAGES):
        self.segmentations: ContentCache[Segmentation] = ContentCache(segment, max_images)
        self._asked: set[str] = set()

    @property
    def encoder_calls(self) -> int:
        """Segmentations run on the images this segmenter was given (by it or, through a
        shared cache, by the detector); crops the detector looked at are not among them."""
        return self.segmentations.runs_for(self._asked)

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        image = check_rgb(image)
        if len(boxes) == 0:
            return []
        key = self.segmentations.key(image)
        self._asked.add(key)
        seg = self.segmentations.get(image, key)
        return [self._one(seg, box, points[k] if points else ()) for k, box in enumerate(boxes)]

    @staticmethod
    def _one(seg: Segmentation, box: Sequence[float],
             points: Sequence[tuple[float, float]]) -> np.ndarray:
        h, w = seg.contrast.shape
        x0 = max(int(np.floor(box[0])) - BOX_MARGIN_PX, 0)
        y0 = max(int(np.floor(box[1])) - BOX_MARGIN_PX, 0)
        x1 = min(int(np.ceil(box[2])) + BOX_MARGIN_PX, w)
        y1 = min(int(np.ceil(box[3])) + BOX_MARGIN_PX, h)
        out = np.zeros((h, w), bool)
        if x0 >= x1 or y0 >= y1:
            return out
        chosen: list[tuple[int, Region]] = []
        for region in seg.regions:
            rx0, ry0, rx1, ry1 = region.box
            if rx1 <= x0 or rx0 >= x1 or ry1 <= y0 or ry0 >= y1:
                continue
            ix0, iy0, ix1, iy1 = max(rx0, x0), max(ry0, y0), min(rx1, x1), min(ry1, y1)
            inside = int(region.crop[iy0 - ry0:iy1 - ry0, ix0 - rx0:ix1 - rx0].sum())
            hit = any(region.crop[int(py) - ry0, int(px) - rx0] for px, py in points
                      if ry0 <= int(py) < ry1 and rx0 <= int(px) < rx1)
            if inside and (hit or inside >= REGION_IN_BOX * region.area):
                chosen.append((inside, region))
        if not chosen:  # nothing segmented there: the pixels that stand out in the box
            out[y0:y1, x0:x1] = seg.contrast[y0:y1, x0:x1] > FG_THRESHOLD
            return out
        for _, region in chosen:
            rx0, ry0, rx1, ry1 = region.box
            out[ry0:ry1, rx0:rx1] |= region.crop
        clipped = np.zeros_like(out)
        clipped[y0:y1, x0:x1] = out[y0:y1, x0:x1]
        return clipped


def classical_backends() -> tuple[ClassicalDetector, ClassicalSegmenter]:
    """A detector and a segmenter for the synthetic domain (the refinement loop's defaults)
    that share one segmentation cache, so an image is encoded once for both."""
    segmenter = ClassicalSegmenter()
    return ClassicalDetector(segmenter.segmentations), segmenter


__all__ = ["BOX_THRESHOLD", "TEXT_THRESHOLD", "ClassicalDetector", "ClassicalSegmenter",
           "classical_backends", "text_score"]
