"""Grounding DINO through transformers (``AutoModelForZeroShotObjectDetection``): phrase prompts
to boxes, each box answering exactly one phrase (see ``phrases.py``)."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .detector_base import GroundedPhraseDetector
from .models import LazyModel
from .phrases import (CROSS_PHRASE_IOU, NMS_IOU, chunk_phrases, prompt_with_spans,
                      token_phrase_matrix)


class GroundingDinoDetector(LazyModel, GroundedPhraseDetector):
    """``Detector`` over a Grounding DINO checkpoint (local directory or HF id; see
    ``models.py``). The model loads on the first ``detect`` (or ``load()``) and is shared."""

    name = "grounding-dino"

    def __init__(self, model: str | os.PathLike[str] | None = None, *, device: str | None = None,
                 dtype: str | None = None, box_threshold: float = 0.35,
                 text_threshold: float = 0.25, nms_iou: float = NMS_IOU,
                 cross_phrase_iou: float = CROSS_PHRASE_IOU, max_detections: int = 100):
        LazyModel.__init__(self, model, device=device, dtype=dtype)
        self._set_rules(box_threshold=box_threshold, text_threshold=text_threshold,
                        nms_iou=nms_iou, cross_phrase_iou=cross_phrase_iou,
                        max_detections=max_detections)

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
