"""Foundation-model perception: Grounding DINO and OWLv2 detectors, the SAM segmenter (all
through transformers) and ``FoundationPerceiver``, which composes a detector and a segmenter into
the ``Perceiver`` protocol. Model management (local directories, the Hugging Face cache,
offline mode, device and dtype, one load per process) lives in ``models.py``.

torch and transformers are imported only when a model is first used, so importing this package
is cheap.
"""
from __future__ import annotations

from .factory import DETECTORS, SEGMENTERS, build_perceiver
from .grounding_dino import GroundingDinoDetector
from .models import MODEL_KINDS, clear_model_cache, list_perception_models, load_model
from .owlv2 import Owlv2Detector
from .perceiver import BoxSegmenter, FoundationPerceiver, objects_from_detections
from .sam import SamSegmenter

__all__ = ["BoxSegmenter", "DETECTORS", "FoundationPerceiver", "GroundingDinoDetector",
           "MODEL_KINDS", "Owlv2Detector", "SEGMENTERS", "SamSegmenter", "build_perceiver",
           "clear_model_cache", "list_perception_models", "load_model",
           "objects_from_detections"]
