"""The expected graph of an edit, for eval: each op's ``expect`` updates ``Expectations``.

An object removed is gone; a recoloured one has its new colour where it stood; a moved or added
one stands in the requested relation to its anchor; every object no edit names stays as it was
(same label, colour and mask). ``eval/expected.py`` matches a re-perceived result against them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scene.model import SceneGraph


@dataclass
class Expect:
    key: str                          # truth id, or "new<k>" for an added object
    label: str
    color: str | None                 # None: any colour (a restyle may change it)
    mode: str                         # same | near | resized | relation
    mask: np.ndarray | None = None    # the true mask (same, near, resized)
    box: list[float] | None = None
    relation: tuple[str, str] | None = None  # (predicate, anchor key)
    scale: float | None = None
    why: str = "unchanged"

    def describe(self) -> str:
        colour = f"{self.color} " if self.color else ""
        return f"{colour}{self.label} ({self.key}: {self.why})"


@dataclass
class Expectations:
    """The expected objects by key, the true input graph, and the domain's reading of a
    new-object phrase ("a red mug" -> ("mug", "red"))."""

    objects: dict[str, Expect]
    truth: SceneGraph
    category: Callable[[str], tuple[str, str | None]]

    @classmethod
    def unchanged(cls, truth: SceneGraph, category) -> "Expectations":
        return cls({o.id: Expect(o.id, o.label, o.color, "same", truth.mask_of(o.id),
                                 list(o.box)) for o in truth.objects}, truth, category)
