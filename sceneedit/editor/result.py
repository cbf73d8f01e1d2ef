"""What one ``Editor.edit`` call returns: every graph, plan, trace and verdict it produced."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..plan import Plan
from ..reasoning.planner import PlanResult
from ..render import Rendered
from ..scene.diff import GraphDiff
from ..scene.model import SceneGraph
from .region import RegionUpdate
from .verification import Verification


@dataclass
class Attempt:
    """One plan and what became of it. The first attempt plans from the instruction (and the
    user's feedback); a second one re-plans with the first one's failure as feedback."""

    plan: Plan
    planning: PlanResult | None
    feedback: str | None = None            # the feedback this plan was made with
    rendered: Rendered | None = None
    update: RegionUpdate | None = None     # the re-perceived graph of the result
    verification: Verification | None = None
    note: str | None = None                # why it was not rendered, if it was not
    # the user's pick among the plan's alternatives this attempt rendered (``Editor.choose``):
    # no planner ran for it
    chosen: str | None = None

    @property
    def ok(self) -> bool:
        return self.verification is not None and self.verification.ok


@dataclass
class EditResult:
    instruction: str
    input_image: np.ndarray
    graph_before: SceneGraph               # as perceived
    refinement: list[SceneGraph]           # the graph after each refinement round
    attempts: list[Attempt]
    seconds: dict[str, float] = field(default_factory=dict)   # per stage
    mask: np.ndarray | None = None
    feedback: str | None = None
    region_from: str | None = None         # how the user's mask/box/clicks were shaped

    # ---- the outcome ---------------------------------------------------------------------
    @property
    def graph(self) -> SceneGraph:
        """The graph the plan was made on (the last refinement round, else the perceived one)."""
        return self.refinement[-1] if self.refinement else self.graph_before

    @property
    def final(self) -> Attempt:
        """The verified attempt, else the last one that rendered, else the last one."""
        for a in self.attempts:
            if a.ok:
                return a
        rendered = [a for a in self.attempts if a.rendered is not None]
        return rendered[-1] if rendered else self.attempts[-1]

    @property
    def plan(self) -> Plan:
        return self.final.plan

    @property
    def image(self) -> np.ndarray:
        """The edited image (the input, unchanged, when nothing could be rendered)."""
        r = self.final.rendered
        return r.image if r is not None else self.input_image

    @property
    def graph_after(self) -> SceneGraph:
        u = self.final.update
        return u.graph if u is not None else self.graph

    @property
    def graphs(self) -> list[SceneGraph]:
        """Perceived, every refinement round, and after the edit."""
        return [self.graph_before, *self.refinement, self.graph_after]

    @property
    def verification(self) -> Verification | None:
        return self.final.verification

    @property
    def ok(self) -> bool:
        return self.final.ok

    @property
    def repaired(self) -> bool:
        """Verified only after the re-plan."""
        return self.ok and self.final is not self.attempts[0]

    @property
    def status(self) -> str:
        if self.ok:
            return "verified"
        if not self.plan.edits:
            return "unresolved"
        return "failed"

    @property
    def message(self) -> str:
        """One sentence on the outcome."""
        if self.status == "unresolved":
            return f"could not plan the edit: {self.plan.unresolved}"
        if self.status == "failed":
            v = self.verification
            why = "; ".join(c.message for c in v.failures) if v is not None else \
                (self.final.note or "not rendered")
            tries = f" after {len(self.attempts)} attempts" if len(self.attempts) > 1 else ""
            return f"the result did not pass verification{tries}: {why}"
        return "verified" + (" after a re-plan" if self.repaired else "")

    @property
    def did_you_mean(self) -> list[str]:
        """The plan's unsure choices, one line each ("did you mean o3 (speaker) or o5
        (router)?"); empty when every choice was clear. ``Editor.choose`` picks another."""
        from ..alternatives import did_you_mean

        return did_you_mean(self.plan, self.graph)

    @property
    def trace(self):
        r = self.final.rendered
        return r.trace if r is not None else None

    @property
    def warnings(self) -> list[str]:
        """What the user must know about the result, e.g. that placeholder content was drawn."""
        r = self.final.rendered
        return list(r.trace.warnings) if r is not None else []

    @property
    def workflow(self):
        r = self.final.rendered
        return r.workflow if r is not None else None

    @property
    def footprint(self) -> np.ndarray:
        r = self.final.rendered
        return r.footprint if r is not None else np.zeros(self.input_image.shape[:2], bool)

    @property
    def diff(self) -> GraphDiff:
        return self.graph.diff(self.graph_after)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (graphs and images are saved separately)."""
        return {
            "instruction": self.instruction, "status": self.status, "message": self.message,
            "feedback": self.feedback,
            "attempts": [{"plan": a.plan.to_dict(), "feedback": a.feedback, "note": a.note,
                          "verification": a.verification.to_dict() if a.verification else None}
                         for a in self.attempts],
            "refinement_rounds": len(self.refinement), "warnings": self.warnings,
            "diff": self.diff.to_dict(),
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
        }

    # ---- display ---------------------------------------------------------------------------
    def explain(self) -> str:
        from .explain import explain_text

        return explain_text(self)

    def __str__(self) -> str:
        return f"EditResult({self.instruction!r}: {self.message})"

    def _repr_html_(self) -> str:
        from .explain import explain_html

        return explain_html(self)
