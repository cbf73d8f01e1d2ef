"""OWLv2 through transformers: every image patch proposes a box and scores it against each
phrase separately (one text query per phrase), so the phrase of a box is simply its best query
— no token spans to untangle."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..api import Detection
from .detector_base import PhraseDetector
from .models import LazyModel
from .phrases import CROSS_PHRASE_IOU, NMS_IOU, clip_box


class Owlv2Detector(LazyModel, PhraseDetector):
    """``Detector`` over an OWLv2 checkpoint. OWLv2 has one score per (box, phrase), so only
    ``box_threshold`` applies; ``text_threshold`` is accepted and ignored (there is no separate
    token-level score)."""

    name = "owlv2"

    def __init__(self, model: str | os.PathLike[str] | None = None, *, device: str | None = None,
                 dtype: str | None = None, box_threshold: float = 0.1,
                 nms_iou: float = NMS_IOU, cross_phrase_iou: float = CROSS_PHRASE_IOU,
                 max_detections: int = 100):
        LazyModel.__init__(self, model, device=device, dtype=dtype)
        self._set_rules(box_threshold=box_threshold, nms_iou=nms_iou,
                        cross_phrase_iou=cross_phrase_iou, max_detections=max_detections)

    def raw_scores(self, image: np.ndarray, phrases: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
        """(per-patch phrase probabilities (N, P), pixel boxes (N, 4) xyxy)."""
        import torch
        from PIL import Image

        lm = self.load()
        h, w = image.shape[:2]
        inputs = lm.processor(text=[[p.lower() for p in phrases]], images=Image.fromarray(image),
                              return_tensors="pt")
        inputs = {k: (v.to(lm.device, lm.torch_dtype) if v.is_floating_point() else
                      v.to(lm.device)) for k, v in inputs.items()}
        with torch.inference_mode():
            out = lm.model(**inputs)
        probs = out.logits[0].float().sigmoid().cpu().numpy()
        # The processor pads the image to a square at the bottom/right: boxes are relative to
        # that square, whose side is the image's longer side.
        side = float(max(h, w))
        cx, cy, bw, bh = out.pred_boxes[0].float().cpu().numpy().T
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1) * side
        return probs, boxes

    def _candidates(self, image: np.ndarray, phrases: list[str], box_threshold: float,
                    text_threshold: float | None) -> list[Detection]:
        h, w = image.shape[:2]
        probs, boxes = self.raw_scores(image, phrases)
        best = probs.argmax(axis=1)
        score = probs[np.arange(len(probs)), best]
        found = []
        for q in np.flatnonzero(score > box_threshold):
            box = clip_box(boxes[q], w, h)
            if box is not None:
                found.append(Detection(phrases[best[q]], box, round(float(score[q]), 4),
                                       {"patch": int(q)}))
        return found
