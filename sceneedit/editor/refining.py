"""The perception refinement loop (``sceneedit.perception.refine``) behind the Editor's
``Refiner`` protocol: the planner says what it could not find, the loop looks for exactly that
(targeted re-detection, re-segmentation from the cached embedding, stable ids) and the editor
plans again on the refined graph."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..scene.model import SceneGraph


class LoopRefiner:
    """``Refiner`` over any ``Detector`` / ``Segmenter`` pair; the classical synthetic-domain
    backends when none is given. Backends are built once and keep their per-image caches, so
    later rounds and later edits of the same image reuse the image encoding."""

    def __init__(self, detector: Any = None, segmenter: Any = None, *, annotator: Any = None,
                 max_rounds: int = 3, config: Any = None):
        self.detector, self.segmenter = detector, segmenter
        self.annotator, self.max_rounds, self.config = annotator, max_rounds, config
        self._loop = None
        self.results: list[Any] = []   # every RefinementResult, for notebooks and reports

    def _get_loop(self):
        if self._loop is None:
            from ..perception.refine import Refiner

            if self.detector is None or self.segmenter is None:
                from ..perception.classical_detect import classical_backends

                detector, segmenter = classical_backends()
                self.detector = self.detector or detector
                self.segmenter = self.segmenter or segmenter
            self._loop = Refiner(self.detector, self.segmenter, annotator=self.annotator,
                                 config=self.config)
        return self._loop

    def refine(self, image: np.ndarray, graph: SceneGraph, instruction: str,
               missing: Sequence[str]) -> tuple[SceneGraph, Sequence[Any]]:
        result = self._get_loop().refine(graph, image, instruction,
                                         planner_missing=list(missing) or None,
                                         max_rounds=self.max_rounds)
        self.results.append(result)
        return result.graph, result.rounds
