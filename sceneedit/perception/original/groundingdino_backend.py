"""Grounding DINO from the original ``groundingdino-py`` package and its ``.pth`` checkpoints
(``groundingdino_swint_ogc.pth``, ``groundingdino_swinb_cogcoor.pth``).

The package's own ``predict`` labels a box with every token above the text threshold (the
"glass oil" problem); here the raw logits go through the same phrase-span mapping and
de-duplication as the transformers backend (``foundation/phrases.py``).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..foundation.detector_base import GroundedPhraseDetector
from ..foundation.phrases import (CROSS_PHRASE_IOU, NMS_IOU, chunk_phrases, prompt_with_spans,
                                  token_phrase_matrix)
from ._common import checkpoint_file, require

ENV_CHECKPOINT = "SCENEEDIT_GROUNDINGDINO_CHECKPOINT"
ENV_CONFIG = "SCENEEDIT_GROUNDINGDINO_CONFIG"
FETCH = ("`curl -LO https://github.com/IDEA-Research/GroundingDINO/releases/download/"
         "v0.1.0-alpha/groundingdino_swint_ogc.pth`")
# The package ships the model configs; SwinT-OGC matches groundingdino_swint_ogc.pth.
DEFAULT_CONFIG = "GroundingDINO_SwinT_OGC.py"


def _config_path(config: str | os.PathLike[str] | None) -> Path:
    text = os.fspath(config) if config else os.environ.get(ENV_CONFIG, "")
    if text:
        return Path(text).expanduser()
    package = require("groundingdino", "groundingdino-py")
    return Path(package.__file__).parent / "config" / DEFAULT_CONFIG


class OriginalGroundingDinoDetector(GroundedPhraseDetector):
    """``Detector`` over a groundingdino-py ``.pth`` checkpoint and its Python config file
    (default: the package's SwinT-OGC config; ``config`` or $SCENEEDIT_GROUNDINGDINO_CONFIG
    for others, e.g. one whose ``text_encoder_type`` is a local BERT directory)."""

    name = "grounding-dino-original"

    def __init__(self, checkpoint: str | os.PathLike[str] | None = None, *,
                 config: str | os.PathLike[str] | None = None, device: str | None = None,
                 box_threshold: float = 0.35, text_threshold: float = 0.25,
                 image_size: int = 800, max_size: int = 1333, nms_iou: float = NMS_IOU,
                 cross_phrase_iou: float = CROSS_PHRASE_IOU, max_detections: int = 100):
        self.checkpoint, self.config, self.device = checkpoint, config, device
        self.image_size, self.max_size = image_size, max_size
        self._set_rules(box_threshold=box_threshold, text_threshold=text_threshold,
                        nms_iou=nms_iou, cross_phrase_iou=cross_phrase_iou,
                        max_detections=max_detections)
        self._model: Any = None

    def load(self) -> Any:
        if self._model is None:
            path = checkpoint_file(self.checkpoint, ENV_CHECKPOINT, "Grounding DINO", FETCH)
            torch = require("torch", "torch")
            inference = require("groundingdino.util.inference", "groundingdino-py")
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            self._model = inference.load_model(str(_config_path(self.config)), str(path),
                                               device=device)
            self._device = device
        return self._model

    def raw_scores(self, image: np.ndarray, phrases: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token probabilities (Q, T), phrase x token membership (P, T), pixel boxes (Q, 4))."""
        import torch
        from PIL import Image

        transforms = require("groundingdino.datasets.transforms", "groundingdino-py")
        model = self.load()
        h, w = image.shape[:2]
        text, spans = prompt_with_spans(phrases)
        pipeline = transforms.Compose([
            transforms.RandomResize([self.image_size], max_size=self.max_size),
            transforms.ToTensor(),
            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
        pixels, _ = pipeline(Image.fromarray(image), None)
        with torch.inference_mode():
            out = model(pixels[None].to(self._device), captions=[text])
        offsets = model.tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
        n_tokens = min(len(offsets), out["pred_logits"].shape[-1])
        probs = out["pred_logits"][0, :, :n_tokens].float().sigmoid().cpu().numpy()
        cx, cy, bw, bh = out["pred_boxes"][0].float().cpu().numpy().T
        boxes = np.stack([(cx - bw / 2) * w, (cy - bh / 2) * h,
                          (cx + bw / 2) * w, (cy + bh / 2) * h], axis=1)
        return probs, token_phrase_matrix(offsets[:n_tokens], spans), boxes

    def _chunks(self, phrases: list[str]) -> list[list[str]]:
        model = self.load()
        return chunk_phrases(phrases, lambda t: len(model.tokenizer(t).input_ids),
                             int(getattr(model, "max_text_len", 256)))
