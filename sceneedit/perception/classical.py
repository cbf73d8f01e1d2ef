"""The classical perception backend: scene graphs from pixels with OpenCV and no weights.

It is built for sceneedit's synthetic domain (flat-shaded objects on gently textured
backgrounds, see ``sceneedit.synthetic``), where it recovers the ground truth almost exactly
(``benchmarks/perception_accuracy.py``); it also runs, with generic labels of limited meaning,
on anything with clear figure/ground contrast. Steps: ``segment.py`` (background model and
foreground regions), ``shapes.py`` (features), ``classify.py`` (label and confidence),
``scene/attributes.py`` (colour, size, position; reading order for the ids).
"""
from __future__ import annotations

import numpy as np

from ..errors import InvalidInputError
from ..masks import RLE
from ..scene.model import ImageInfo, Provenance, SceneGraph, SceneObject
from ..synthetic.categories import CATEGORIES
from ..scene.attributes import geometry_attributes, reading_order
from .classify import classify
from .domain import require_in_domain
from .segment import segment
from .shapes import shape_features


def check_rgb(image: object) -> np.ndarray:
    """Accept only an HxWx3 uint8 RGB array (what ``io.load_image`` returns)."""
    if not isinstance(image, np.ndarray):
        raise InvalidInputError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8 \
            or image.shape[0] < 8 or image.shape[1] < 8:
        raise InvalidInputError("image must be an HxWx3 uint8 RGB array of at least 8x8 "
                                f"pixels, got shape {image.shape} and dtype {image.dtype}")
    return image


class ClassicalPerceiver:
    """``perceive(image) -> SceneGraph`` by background modelling and shape rules."""

    name = "classical"

    def perceive(self, image: np.ndarray) -> SceneGraph:
        image = check_rgb(image)
        h, w = image.shape[:2]
        seg = segment(image)
        objects = []
        for rank, i in enumerate(reading_order([r.box for r in seg.regions], h)):
            region = seg.regions[i]
            features = shape_features(region, seg.lab)
            label, score = classify(features)
            objects.append(SceneObject(
                id=f"o{rank + 1}", label=label, box=region.box, score=score,
                mask=RLE.from_array(region.full()),
                # The colour is the dominant palette colour (attributes.dominant_color_lab).
                attributes={"color": features.body, "kind": CATEGORIES[label].kind,
                            **geometry_attributes(region.area, region.box, w, h)},
                provenance=Provenance(backend=self.name, round=0)))
        graph = SceneGraph(image=ImageInfo(width=w, height=h), objects=objects)
        return graph.with_derived_relations()


def perceive_classical(image: np.ndarray, what: str = "image") -> SceneGraph:
    """The built-in perceiver on a user's image: OutOfDomainError (with what to do instead)
    when the image is not one of sceneedit's synthetic scenes (``domain.py``). Only the entry
    points check; re-perceiving an edited region of an accepted image does not."""
    require_in_domain(check_rgb(image), what)
    return ClassicalPerceiver().perceive(image)
