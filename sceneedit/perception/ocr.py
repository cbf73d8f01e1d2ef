"""Text in the image as scene-graph objects: label ``text``, the string in ``attributes.text``.

Reads through ``rapidocr-onnxruntime`` (PP-OCRv4 detection + recognition ONNX models that ship
inside its wheel, so this runs offline; install the ``ocr`` extra). The engine loads lazily,
once per process, and results are cached per image by content hash.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..weights import get_entry, missing_weights
from ..masks import RLE, mask_box
from ..scene.model import Provenance, SceneGraph, SceneObject
from ..scene.attributes import geometry_attributes
from .cache import ContentCache
from .classical import check_rgb

MIN_SCORE = 0.5        # recognition confidence below this is noise
SAME_TEXT_IOU = 0.5    # an existing text node this close to a reading is that reading
_ENGINE: list[Any] = []  # the shared engine (created on first use)


@dataclass(frozen=True)
class TextRegion:
    text: str
    score: float
    polygon: tuple[tuple[float, float], ...]   # 4 corners, clockwise from top-left

    def mask(self, height: int, width: int) -> np.ndarray:
        import cv2

        m = np.zeros((height, width), np.uint8)
        cv2.fillPoly(m, [np.round(np.array(self.polygon)).astype(np.int32)], 1)
        return m.astype(bool)


def _engine() -> Any:
    if not _ENGINE:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError:
            raise missing_weights(get_entry("ocr"), "OCR needs the rapidocr-onnxruntime "
                                  "package (its PP-OCR models ship in the wheel)") from None
        _ENGINE.append(RapidOCR())
    return _ENGINE[0]


def _read(image: np.ndarray) -> list[TextRegion]:
    # RapidOCR expects OpenCV's BGR order (RGB input misreads coloured shapes as glyphs).
    result, _ = _engine()(np.ascontiguousarray(image[..., ::-1]))
    out = []
    for polygon, text, score in result or []:
        out.append(TextRegion(str(text).strip(), float(score),
                              tuple((float(x), float(y)) for x, y in polygon)))
    return out


class TextReader:
    """``read(image)`` -> text regions; ``annotate(graph, image)`` adds them as objects."""

    name = "rapidocr"

    def __init__(self, min_score: float = MIN_SCORE):
        self.min_score = min_score
        self._cache: ContentCache[list[TextRegion]] = ContentCache(_read)

    def read(self, image: np.ndarray) -> list[TextRegion]:
        """Readings with at least one letter or digit and ``min_score`` confidence, top to
        bottom then left to right."""
        regions = [r for r in self._cache.get(check_rgb(image))
                   if r.score >= self.min_score and any(c.isalnum() for c in r.text)]
        return sorted(regions, key=lambda r: (min(y for _, y in r.polygon),
                                              min(x for x, _ in r.polygon)))

    def annotate(self, graph: SceneGraph, image: np.ndarray, round_no: int = 0) -> SceneGraph:
        """``graph`` plus one ``text`` object per reading not already in it (new ids after the
        highest), with relations re-derived."""
        from ..masks import iou

        graph.check_matches(image)
        h, w = image.shape[:2]
        objects = list(graph.objects)
        existing = [graph.mask_of(o.id) for o in graph.objects if o.label == "text"]
        top = max((int(i[1:]) for i in graph.ids if i[:1] == "o" and i[1:].isdigit()),
                  default=0)
        for region in self.read(image):
            mask = region.mask(h, w)
            box = mask_box(mask)
            if box is None or any(iou(mask, m) >= SAME_TEXT_IOU for m in existing):
                continue
            top += 1
            objects.append(SceneObject(
                id=f"o{top}", label="text", box=box, score=round(region.score, 4),
                mask=RLE.from_array(mask),
                attributes={"text": region.text,
                            **geometry_attributes(float(mask.sum()), box, w, h)},
                provenance=Provenance(backend=self.name, round=round_no)))
            existing.append(mask)
        return graph.model_copy(update={"objects": objects}).with_derived_relations()


__all__ = ["MIN_SCORE", "TextReader", "TextRegion"]
