"""What the harness evaluates: anything that turns (image, instruction) into an edited image.

``EditFn`` is the boundary: the harness never looks inside. ``ClassicalEdit`` is the default
one, built from the library's stages (classical perception, the LLM planner or the gold plan,
``render_plan``); ``sceneedit.Editor`` plugs in through a small adapter with the same shape.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..errors import SceneEditError
from ..masks import iou
from ..plan import Plan
from ..scene.model import SceneGraph
from .dataset import GoldPlan

MATCH_IOU = 0.5  # a perceived object "is" a true one when their masks overlap this much


class EvalError(SceneEditError):
    """An item cannot be carried out by the evaluated pipeline (it counts as a failure)."""


@dataclass
class EditOutcome:
    image: np.ndarray                     # the edited image (the input's size)
    plan: Plan                            # the plan carried out (ids of ``graph``)
    graph: SceneGraph                     # the input's graph the plan refers to
    footprint: np.ndarray                 # pixels the edit was allowed to change
    stage_seconds: dict[str, float]       # wall time per stage, e.g. perceive / plan / render
    # Optional detail for ``sceneedit.verify``: each edit's footprint and where moved /
    # resized objects went (the compiled workflow's mask_<id> outputs).
    edit_footprints: list[np.ndarray] | None = None
    new_masks: dict[str, np.ndarray] = field(default_factory=dict)


def outcome_from_render(rendered, plan: Plan, graph: SceneGraph,
                        seconds: dict[str, float]) -> EditOutcome:
    """The outcome of a rendered plan (``sceneedit.render.Rendered``): the image, footprint,
    each edit's footprint and the new masks the compiled workflow produced."""
    outputs = rendered.run.outputs
    return EditOutcome(
        rendered.image, plan, graph, rendered.footprint, seconds,
        [outputs[f"footprint_{i}"] for i in range(len(plan.edits))
         if f"footprint_{i}" in outputs],
        {k[5:]: v for k, v in outputs.items() if k.startswith("mask_")})


class EditFn(Protocol):
    """``edit(image, instruction, gold) -> EditOutcome``. ``gold`` is the item's gold plan when
    the dataset has one; only an oracle-planning pipeline may use it."""

    name: str

    def __call__(self, image: np.ndarray, instruction: str,
                 gold: GoldPlan | None = None) -> EditOutcome: ...


def match_ids(truth: SceneGraph, perceived: SceneGraph,
              min_iou: float = MATCH_IOU) -> dict[str, str]:
    """Truth id -> perceived id, one to one, best mask overlap first (IoU >= ``min_iou``)."""
    pairs = []
    for t in truth.objects:
        tm = truth.mask_of(t.id)
        for p in perceived.objects:
            score = iou(tm, perceived.mask_of(p.id))
            if score >= min_iou:
                pairs.append((score, t.id, p.id))
    out: dict[str, str] = {}
    used: set[str] = set()
    for _, t, p in sorted(pairs, reverse=True):
        if t not in out and p not in used:
            out[t] = p
            used.add(p)
    return out


_ID_ROLES = ("target", "other", "source", "anchor")


def map_edits(edits: list[dict], mapping: dict[str, str], graph: SceneGraph,
              what: str) -> list[dict]:
    """``edits`` with every object id replaced through ``mapping``; EvalError naming the first
    object ``what`` lacks."""
    out = []
    for e in edits:
        e = dict(e)
        for role in _ID_ROLES:
            if e.get(role) is not None:
                if e[role] not in mapping:
                    obj = graph.get(e[role]) if e[role] in graph else None
                    name = f" ({obj.label}, {obj.color})" if obj is not None else ""
                    raise EvalError(f"{what} has no object for {e[role]}{name}")
                e[role] = mapping[e[role]]
        out.append(e)
    return out


class ClassicalEdit:
    """perceive (classical) -> plan (LLM planner, or the gold plan) -> render_plan."""

    def __init__(self, planner=None, *, oracle: bool = False, perceiver=None, seed: int = 0,
                 name: str | None = None):
        if planner is None and not oracle:
            raise ValueError("ClassicalEdit needs a planner or oracle=True")
        from ..perception import ClassicalPerceiver

        self.planner, self.oracle, self.seed = planner, oracle, seed
        self.perceiver = perceiver or ClassicalPerceiver()
        self.name = name or ("oracle plan" if oracle else "LLM planner")

    def _plan(self, graph: SceneGraph, instruction: str, gold: GoldPlan | None) -> Plan:
        if self.oracle:
            if gold is None:
                raise EvalError("--oracle-plan needs gold plans; this item has none (gold "
                                "plans come with the synthetic suite and datasets written by "
                                "`sceneedit eval --write-ciebench`)")
            mapping = match_ids(gold.truth, graph)
            edits = map_edits(gold.edits, mapping, gold.truth, "the perceived graph")
            return Plan(instruction=instruction, edits=edits, unresolved=gold.unresolved)
        return self.planner.plan(graph, instruction).plan

    def __call__(self, image: np.ndarray, instruction: str,
                 gold: GoldPlan | None = None) -> EditOutcome:
        from ..render import render_plan

        seconds: dict[str, float] = {}
        t = time.perf_counter()
        graph = self.perceiver.perceive(image)
        seconds["perceive"] = time.perf_counter() - t
        t = time.perf_counter()
        plan = self._plan(graph, instruction, gold)
        seconds["plan"] = time.perf_counter() - t
        t = time.perf_counter()
        h, w = image.shape[:2]
        if not plan.edits:  # unresolved: nothing to render, the input is the result
            seconds["render"] = time.perf_counter() - t
            return EditOutcome(image, plan, graph, np.zeros((h, w), bool), seconds, [])
        out = render_plan(plan, image, graph, seed=self.seed)
        seconds["render"] = time.perf_counter() - t
        return outcome_from_render(out, plan, graph, seconds)
