"""Grounding DINO through transformers (``AutoModelForZeroShotObjectDetection``): phrase prompts
to boxes, each box answering exactly one phrase (see ``phrases.py``)."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..api import Detection
from ..classical import check_rgb
from .models import LoadedModel, load_model
from .phrases import (CROSS_PHRASE_IOU, NMS_IOU, assign_phrases, chunk_phrases, clean_phrases,
                      clip_box, deduplicate, prompt_with_spans, token_phrase_matrix)


class GroundingDinoDetector:
    """``Detector`` over a Grounding DINO checkpoint (local directory or HF id; see
    ``models.py``). The model loads on the first ``detect`` (or ``load()``) and is shared."""

    name = "grounding-dino"

    def __init__(self, model: str | os.PathLike[str] | None = None, *, device: str | None = None,
                 dtype: str | None = None, box_threshold: float = 0.35,
                 text_threshold: float = 0.25, nms_iou: float = NMS_IOU,
                 cross_phrase_iou: float = CROSS_PHRASE_IOU, max_detections: int = 100):
        self.spec = model
        self.device, self.dtype = device, dtype
        self.box_threshold, self.text_threshold = box_threshold, text_threshold
        self.nms_iou, self.cross_phrase_iou = nms_iou, cross_phrase_iou
        self.max_detections = max_detections
        self._loaded: LoadedModel | None = None

    def load(self) -> LoadedModel:
        if self._loaded is None:
            self._loaded = load_model(self.name, self.spec, device=self.device, dtype=self.dtype)
        return self._loaded

    def _chunks(self, phrases: list[str]) -> list[list[str]]:
        """Phrases grouped so that each prompt fits the model's text length (256 tokens for the
        released checkpoints); long vocabularies take several forward passes."""
        lm = self.load()
        tokenizer = lm.processor.tokenizer
        return chunk_phrases(phrases, lambda text: len(tokenizer(text).input_ids),
                             int(getattr(lm.model.config, "max_text_len", 256)))

    def raw_scores(self, image: np.ndarray, phrases: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For one prompt of ``phrases``: (per-query token probabilities (Q, T), the phrase x
        token membership (P, T), pixel boxes (Q, 4) xyxy)."""
        import torch
        from PIL import Image

        lm = self.load()
        h, w = image.shape[:2]
        text, spans = prompt_with_spans(phrases)
        limit = int(getattr(lm.model.config, "max_text_len", 256))
        inputs = lm.processor(images=Image.fromarray(image), text=text, return_tensors="pt",
                              truncation=True, max_length=limit)
        offsets = lm.processor.tokenizer(text, return_offsets_mapping=True, truncation=True,
                                         max_length=limit)["offset_mapping"]
        inputs = {k: (v.to(lm.device, lm.torch_dtype) if v.is_floating_point() else
                      v.to(lm.device)) for k, v in inputs.items()}
        with torch.inference_mode():
            out = lm.model(**inputs)
        n_tokens = inputs["input_ids"].shape[1]
        probs = out.logits[0, :, :n_tokens].float().sigmoid().cpu().numpy()
        cx, cy, bw, bh = out.pred_boxes[0].float().cpu().numpy().T
        boxes = np.stack([(cx - bw / 2) * w, (cy - bh / 2) * h,
                          (cx + bw / 2) * w, (cy + bh / 2) * h], axis=1)
        return probs, token_phrase_matrix(offsets, spans), boxes

    def detect(self, image: np.ndarray, phrases: Sequence[str], *,
               box_threshold: float | None = None,
               text_threshold: float | None = None) -> list[Detection]:
        """Boxes whose best token score beats ``box_threshold`` and whose best phrase scores
        above ``text_threshold``; the detection's score is that phrase's score."""
        image = check_rgb(image)
        phrases = clean_phrases(phrases)
        if not phrases:
            return []
        bt = self.box_threshold if box_threshold is None else box_threshold
        tt = self.text_threshold if text_threshold is None else text_threshold
        h, w = image.shape[:2]
        found: list[Detection] = []
        for chunk in self._chunks(phrases):
            probs, membership, boxes = self.raw_scores(image, chunk)
            best, phrase_score, box_score = assign_phrases(probs, membership)
            for q in np.flatnonzero((box_score > bt) & (phrase_score > tt)):
                box = clip_box(boxes[q], w, h)
                if box is not None:
                    found.append(Detection(chunk[best[q]], box, round(float(phrase_score[q]), 4),
                                           {"query": int(q)}))
        return deduplicate(found, nms_iou=self.nms_iou, cross_phrase_iou=self.cross_phrase_iou,
                           max_detections=self.max_detections)
