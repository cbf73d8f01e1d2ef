"""One edit per clause, in order, for a compound instruction whose every clause acts on one
object it names: "Remove the ladder, make the bicycle red and move the toolbox onto the
workbench" is decoded as exactly three edits — a remove of the ladder, a recolour of the
bicycle, a move of the toolbox — each with its own ops, target, fields and anchor.

Measured on the benchmark: with one grammar for the whole answer, the 1.5B model repeats the
first clause's op ("remove" three times) or drops a clause, and repairs do not always fix it.
A clause that acts on several objects ("remove both mugs"), or whose object only common sense
can find, leaves the instruction to the general schema.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..ops import OP_REGISTRY
from ..scene.model import SceneGraph
from ..llm.api import LLM
from .intent import clause_ops
from .referents import anchor_targets, clause_ranking, clause_referents, clause_scenes, \
    places_left, swap_partners
from .slots import Slots, slots



@dataclass(frozen=True)
class ClauseEdit:
    """What the grammar allows for one clause's edit."""

    clause: str
    ops: list[str]
    targets: list[str] | None      # None: the op has no target (add)
    slots: Slots
    anchors: list[str] | None


def one_edit_per_clause(graph: SceneGraph, instruction: str, allowed: Iterable[str],
                        keep: Sequence[str] = (), llm: LLM | None = None
                        ) -> list[ClauseEdit] | None:
    allowed = set(allowed)
    out = []
    # each clause reads the scene its predecessors leave: "add a saddle to the zebra" after
    # "replace the giraffe with a zebra" is about the giraffe's object
    for clause, scene in clause_scenes(graph, instruction, llm):
        ops = clause_ops(clause) & allowed
        if not ops:
            continue
        ranking = clause_ranking(scene, clause, ops, llm, instruction)
        if ranking is not None and ranking.plural:
            return None   # "remove both mugs": several edits for one clause
        spelled = slots(clause)
        anchors = anchor_targets(scene, spelled)
        targets = None
        if any("target" in OP_REGISTRY.get(op).model.id_fields for op in ops):  # not add
            found, ranked = clause_referents(scene, clause, ops, llm, instruction)
            # the placement's anchor is not the object acted on ("onto the workbench"), nor
            # is a swap's partner ("swap the wine bottle and the candle")
            pair = all("other" in OP_REGISTRY.get(op).model.id_fields for op in ops)  # swap
            partners = swap_partners(scene, clause) if pair else None
            gone_from = places_left(scene, clause)   # "off the coffee table"
            found = [i for i in (found or ()) if i not in (anchors or ()) and i not in keep
                     and i not in gone_from]
            found = [i for i in found if i not in (partners or ())] or found
            # ranked: the close candidates stay for the model to choose among
            if not (len(found) == 1 or (pair and len(found) == 2) or (ranked and found)):
                return None
            targets = found
        out.append(ClauseEdit(clause, sorted(ops), targets, spelled, anchors))
    return out if len(out) >= 2 else None
