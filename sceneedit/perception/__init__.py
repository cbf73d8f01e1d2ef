"""Perception: image -> scene graph. ``ClassicalPerceiver`` needs no weights; foundation-model
backends (Grounding DINO + SAM) implement the same ``Perceiver`` protocol."""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from ..scene.model import SceneGraph
from .classical import ClassicalPerceiver, perceive_classical
from .domain import DomainScore, OutOfDomainError, domain_score, require_in_domain


@runtime_checkable
class Perceiver(Protocol):
    """What every perception backend offers: a name (recorded in each object's provenance)
    and ``perceive``, which returns a graph whose ids are o1..oN in reading order."""

    name: str

    def perceive(self, image: np.ndarray) -> SceneGraph: ...


__all__ = ["ClassicalPerceiver", "DomainScore", "OutOfDomainError", "Perceiver", "domain_score",
           "perceive_classical", "require_in_domain"]
