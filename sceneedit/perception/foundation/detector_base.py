"""The part of ``detect`` every phrase-prompted detector shares (transformers Grounding DINO and
OWLv2, and the original groundingdino-py backend): cleaning the phrases, resolving the
thresholds, and de-duplicating the result; plus the Grounding DINO candidate loop that maps each
query's token scores to one phrase. Each backend supplies only how it scores an image."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..api import Detection
from ..classical import check_rgb
from .phrases import (CROSS_PHRASE_IOU, NMS_IOU, assign_phrases, clean_phrases, clip_box,
                      deduplicate)


class PhraseDetector:
    """``detect`` = clean phrases -> ``_candidates`` -> ``deduplicate``. Subclasses implement
    ``_candidates(image, phrases, box_threshold, text_threshold)`` and call ``_set_rules`` from
    their constructor."""

    # Detectors without a separate token-level score accept ``text_threshold`` and ignore it.
    text_threshold: float | None = None

    def _set_rules(self, *, box_threshold: float, text_threshold: float | None = None,
                   nms_iou: float = NMS_IOU, cross_phrase_iou: float = CROSS_PHRASE_IOU,
                   max_detections: int = 100) -> None:
        self.box_threshold = box_threshold
        if text_threshold is not None:
            self.text_threshold = text_threshold
        self.nms_iou, self.cross_phrase_iou = nms_iou, cross_phrase_iou
        self.max_detections = max_detections

    def _candidates(self, image: np.ndarray, phrases: list[str], box_threshold: float,
                    text_threshold: float | None) -> list[Detection]:
        raise NotImplementedError

    def detect(self, image: np.ndarray, phrases: Sequence[str], *,
               box_threshold: float | None = None,
               text_threshold: float | None = None) -> list[Detection]:
        image = check_rgb(image)
        phrases = clean_phrases(phrases)
        if not phrases:
            return []
        bt = self.box_threshold if box_threshold is None else box_threshold
        tt = self.text_threshold if text_threshold is None else text_threshold
        found = self._candidates(image, phrases, bt, tt)
        return deduplicate(found, nms_iou=self.nms_iou, cross_phrase_iou=self.cross_phrase_iou,
                           max_detections=self.max_detections)


class GroundedPhraseDetector(PhraseDetector):
    """A Grounding DINO backend: phrases go in one prompt per chunk (``_chunks``), and
    ``raw_scores`` returns each query's token probabilities, the phrase x token membership and
    pixel boxes. A box is kept when its best token score beats ``box_threshold`` and its best
    phrase scores above ``text_threshold``; the detection's score is that phrase's score."""

    def _chunks(self, phrases: list[str]) -> list[list[str]]:
        raise NotImplementedError

    def raw_scores(self, image: np.ndarray, phrases: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _candidates(self, image: np.ndarray, phrases: list[str], box_threshold: float,
                    text_threshold: float | None) -> list[Detection]:
        h, w = image.shape[:2]
        found: list[Detection] = []
        for chunk in self._chunks(phrases):
            probs, membership, boxes = self.raw_scores(image, chunk)
            best, phrase_score, box_score = assign_phrases(probs, membership)
            for q in np.flatnonzero((box_score > box_threshold) & (phrase_score > text_threshold)):
                box = clip_box(boxes[q], w, h)
                if box is not None:
                    found.append(Detection(chunk[best[q]], box, round(float(phrase_score[q]), 4),
                                           {"query": int(q)}))
        return found


__all__ = ["GroundedPhraseDetector", "PhraseDetector"]
