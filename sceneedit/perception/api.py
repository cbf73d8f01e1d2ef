"""The typed boundary between perception backends and the code that builds and refines graphs.

A *detector* turns phrases into boxes; a *segmenter* turns boxes (and points) into masks and
keeps its image embedding so that later prompts on the same image are cheap. Foundation-model
backends (Grounding DINO, OWLv2, SAM) and the classical synthetic-domain backend implement
these, and the refinement loop only talks to these protocols.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Detection:
    """One detected instance: the phrase it answers (exactly one of the prompt phrases, never
    a merge of several), a pixel box ``[x0, y0, x1, y1]`` and a confidence in [0, 1]."""

    phrase: str
    box: tuple[float, float, float, float]
    score: float
    extra: dict = field(default_factory=dict, compare=False)


@runtime_checkable
class Detector(Protocol):
    name: str

    def detect(self, image: np.ndarray, phrases: Sequence[str], *,
               box_threshold: float | None = None,
               text_threshold: float | None = None) -> list[Detection]:
        """Instances of ``phrases`` in ``image`` (HxWx3 uint8 RGB); ``None`` thresholds mean
        the backend's defaults. Duplicates (same instance, same or different phrase) are
        already removed; several instances of one phrase are kept apart."""
        ...


@runtime_checkable
class Segmenter(Protocol):
    name: str

    def segment(self, image: np.ndarray, boxes: Sequence[Sequence[float]], *,
                points: Sequence[Sequence[tuple[float, float]]] | None = None
                ) -> list[np.ndarray]:
        """One HxW bool mask per box (optionally with positive points per box). The image
        embedding is computed once per distinct image (keyed by content hash) and reused."""
        ...

    @property
    def encoder_calls(self) -> int:
        """How many times the image encoder has run (tests count this)."""
        ...
