"""Foundation-model perception: Grounding DINO and OWLv2 detectors, the SAM segmenter (all
through transformers) and ``FoundationPerceiver``, which composes a detector and a segmenter into
the ``Perceiver`` protocol. Loading (offline mode, device and dtype, one load per process) lives in ``models.py``;
which checkpoint to load is ``sceneedit.weights``'s.

torch and transformers are imported only when a model is first used, so importing this package
is cheap.
"""
from __future__ import annotations

from .factory import DETECTORS, SEGMENTERS, build_perceiver
from .grounding_dino import GroundingDinoDetector
from .models import MODEL_KINDS, clear_model_cache, load_model
from .owlv2 import Owlv2Detector
from .perceiver import BoxSegmenter, FoundationPerceiver, objects_from_detections
from .sam import SamSegmenter

__all__ = ["BoxSegmenter", "DETECTORS", "FoundationPerceiver", "GroundingDinoDetector",
           "MODEL_KINDS", "Owlv2Detector", "SEGMENTERS", "SamSegmenter", "build_perceiver",
           "clear_model_cache", "load_model",
           "objects_from_detections"]
