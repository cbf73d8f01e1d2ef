"""The editor's boundaries: the optional refiner it calls, and the stage clock that reports
progress (the CLI prints one line per stage; notebooks and the eval harness read the times)."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..scene.model import SceneGraph

# The stages of one edit, in order. "refine" runs only when the planner reports that the graph
# lacks something the instruction is about; "plan" may run again after refinement or failure.
STAGES = ("perceive", "refine", "plan", "compile", "render", "verify")

# progress(stage, message): called when a stage starts ("start") and when it ends (a summary).
StageFn = Callable[[str, str], None]


@runtime_checkable
class Refiner(Protocol):
    """Perception refinement: make ``graph`` good enough for ``instruction``.

    ``missing`` names what the planner could not find in the graph. Returns the refined graph
    (ids of objects already there stay the same) and the rounds it went through: one entry per
    round, a ``SceneGraph`` or an object with a ``graph`` attribute.
    """

    def refine(self, image: np.ndarray, graph: SceneGraph, instruction: str,
               missing: Sequence[str]) -> tuple[SceneGraph, Sequence[Any]]: ...


def round_graph(entry: Any) -> SceneGraph:
    """The graph of one refinement round entry (see ``Refiner``)."""
    return entry if isinstance(entry, SceneGraph) else entry.graph


class StageClock:
    """Times stages (summing repeats: a re-plan adds to "plan") and reports them."""

    def __init__(self, progress: StageFn | None = None):
        self.progress = progress
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, str]]:
        """``with clock.stage("plan") as note: ...; note["done"] = "2 edits"``."""
        note: dict[str, str] = {}
        if self.progress:
            self.progress(name, "start")
        t0 = time.perf_counter()
        try:
            yield note
        finally:
            dt = time.perf_counter() - t0
            self.seconds[name] = self.seconds.get(name, 0.0) + dt
            if self.progress:
                self.progress(name, f"{note.get('done', 'done')} ({dt:.2f} s)")

    def skip(self, name: str, why: str) -> None:
        if self.progress:
            self.progress(name, f"skipped: {why}")
