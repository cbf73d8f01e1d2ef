"""Backends for the *original* research packages and their ``.pth`` checkpoints:
``groundingdino-py`` (Grounding DINO) and ``segment-anything`` (SAM).

They are an optional extra (``sceneedit[original]``) meant for its **own** environment: both
packages need torchvision (which pulls a CUDA build of torch), and groundingdino-py 0.4 needs
transformers < 5, so they cannot share an environment with the default ``vision`` extra
(see ``constraints/original.txt`` and ``docs/perception.md``). Nothing here is imported by
sceneedit unless asked for, and the packages themselves are imported on first use.

They implement the same ``Detector`` / ``Segmenter`` protocols as the transformers backends
and reuse their phrase mapping, de-duplication and embedding cache rules.
"""
from __future__ import annotations

from .groundingdino_backend import OriginalGroundingDinoDetector
from .sam_backend import OriginalSamSegmenter

__all__ = ["OriginalGroundingDinoDetector", "OriginalSamSegmenter"]
