"""What the planner says about its choice of objects: which evidence chose each edit's target
(appended to the plan's ``reasoning``), and, where the top candidates were close, the plan's
``alternatives`` (INTERCHANGE.md, optional plan keys) so that a user can pick another without a
new plan."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..llm.api import LLM
from ..scene.model import SceneGraph
from .intent import clause_ops, clauses
from .ranking import Ranking
from .referents import clause_ranking


def clause_rankings(graph: SceneGraph, instruction: str, llm: LLM | None = None
                    ) -> list[Ranking | None]:
    """One ranking per action clause, in order (None where the clause's object is not one the
    lexicon knows, or the clause adds). The model's scores are memoised per model, so asking
    again after planning costs no model call."""
    return [clause_ranking(graph, c, ops, llm, instruction)
            for c in clauses(instruction) if (ops := clause_ops(c))]


def _ranking_for(rankings: Sequence[Ranking | None], index: int, n_edits: int, target: str
                 ) -> Ranking | None:
    """The ranking an edit's target came from: its clause's, when the plan has one edit per
    action clause; else the first ranking that holds the target."""
    if len(rankings) == n_edits and rankings[index] is not None:
        ranking = rankings[index]
        return ranking if target in {c.id for c in ranking.candidates} else None
    return next((r for r in rankings if r is not None
                 and target in {c.id for c in r.candidates}), None)


def plan_alternatives(rankings: Sequence[Ranking | None], edits: Sequence[Any]
                      ) -> list[dict[str, Any]]:
    """``alternatives`` entries for the edits whose target was a close call."""
    out = []
    for i, edit in enumerate(edits):
        target = getattr(edit, "target", None)
        if target is None:
            continue
        ranking = _ranking_for(rankings, i, len(edits), target)
        candidates = ranking.alternatives(target) if ranking is not None else []
        if len(candidates) >= 2:
            out.append({"edit": i, "field": "target", "candidates": candidates})
    return out


def evidence_note(rankings: Sequence[Ranking | None], edits: Sequence[Any]) -> str | None:
    """"evidence: 'the left backpack' -> o1 (backpack): left +3.0; ..." for the targets that
    evidence beyond the name chose; None when none did."""
    notes = []
    for i, edit in enumerate(edits):
        target = getattr(edit, "target", None)
        ranking = _ranking_for(rankings, i, len(edits), target) if target else None
        if ranking is not None and ranking.best.id == target and ranking.best.evidence:
            notes.append(ranking.reason())
    return "evidence: " + "; ".join(dict.fromkeys(notes)) if notes else None
