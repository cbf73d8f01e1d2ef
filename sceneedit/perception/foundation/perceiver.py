"""``FoundationPerceiver``: a detector and a segmenter composed into the ``Perceiver`` protocol.
Phrases -> boxes -> masks -> objects whose attributes come from their pixels, exactly as the
classical backend reports them (``scene/attributes.py``)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...masks import RLE, box_to_mask
from ...scene.model import ImageInfo, Provenance, SceneGraph, SceneObject
from ..api import Detection, Detector, Segmenter
from ...scene.attributes import dominant_color, geometry_attributes, reading_order
from ..classical import check_rgb
from ..vocabulary import BASE_VOCABULARY


class BoxSegmenter:
    """A ``Segmenter`` without weights: each mask is its filled box. For when no SAM checkpoint
    is at hand, or boxes are all that is needed."""

    name = "box"
    encoder_calls = 0

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        h, w = check_rgb(image).shape[:2]
        return [box_to_mask(b, h, w) for b in boxes]


def mask_box(mask: np.ndarray) -> list[int] | None:
    """The tight [x0, y0, x1, y1] box of a mask (exclusive ends), or None if it is empty."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def objects_from_detections(image: np.ndarray, detections: Sequence[Detection],
                            masks: Sequence[np.ndarray], *, backend: str,
                            round: int = 0) -> list[SceneObject]:
    """One ``SceneObject`` per detection, in the given order, with ids o1..oN (callers renumber
    or reorder). A mask the segmenter left empty falls back to the detection's box, so every
    object has pixels to name its colour from."""
    h, w = image.shape[:2]
    objects = []
    for n, (det, mask) in enumerate(zip(detections, masks), 1):
        mask = np.asarray(mask, dtype=bool)
        box = mask_box(mask)
        if box is None:
            mask = box_to_mask(det.box, h, w)
            box = mask_box(mask) or [int(v) for v in det.box]
        objects.append(SceneObject(
            id=f"o{n}", label=det.phrase, box=box, score=min(max(det.score, 0.0), 1.0),
            mask=RLE.from_array(mask),
            attributes={"color": dominant_color(image[mask]),
                        **geometry_attributes(float(mask.sum()), box, w, h)},
            provenance=Provenance(backend=backend, round=round)))
    return objects


class FoundationPerceiver:
    """``perceive(image) -> SceneGraph`` with an open-vocabulary detector and a promptable
    segmenter. ``vocabulary`` is what the detector is asked for (default ``BASE_VOCABULARY``)."""

    def __init__(self, detector: Detector, segmenter: Segmenter | None = None,
                 vocabulary: Sequence[str] | None = None, *,
                 box_threshold: float | None = None, text_threshold: float | None = None):
        self.detector = detector
        self.segmenter = segmenter if segmenter is not None else BoxSegmenter()
        self.vocabulary = tuple(vocabulary) if vocabulary else BASE_VOCABULARY
        self.box_threshold, self.text_threshold = box_threshold, text_threshold
        self.name = f"{detector.name}+{self.segmenter.name}"

    def detect(self, image: np.ndarray, phrases: Sequence[str] | None = None) -> list[Detection]:
        return self.detector.detect(image, list(phrases or self.vocabulary),
                                    box_threshold=self.box_threshold,
                                    text_threshold=self.text_threshold)

    def perceive(self, image: np.ndarray) -> SceneGraph:
        image = check_rgb(image)
        h, w = image.shape[:2]
        detections = self.detect(image)
        masks = self.segmenter.segment(image, [d.box for d in detections])
        objects = objects_from_detections(image, detections, masks, backend=self.name)
        ordered = [objects[i] for i in reading_order([o.box for o in objects], h)]
        objects = [o.model_copy(update={"id": f"o{n}"}) for n, o in enumerate(ordered, 1)]
        return SceneGraph(image=ImageInfo(width=w, height=h),
                          objects=objects).with_derived_relations()
