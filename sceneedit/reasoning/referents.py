"""Which objects an instruction can be about, decided before the model writes any edit: the
objects it names outright, the ones a superlative or relation picks, and the ones feedback
points at ("not that one, the blue one"). The planner limits the grammar's ``target`` enum to
them; None means the wording does not settle it and the model (or the described-referent
scorer) decides.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..palette import COLOR_NAMES
from ..scene.model import SceneGraph
from .intent import clause_ops, clauses
from .normalize import copied_objects
from .slots import Slots, slots
from ..language import lexicon
from ..llm.api import LLM
from .phrases import named_objects
from .ranking import Ranking, rank_clause, ranked_objects

_OTHER = re.compile(r"\b(?:not (?:that|this) one|the other|wrong one|not the)\b")
_THE_COLOR_ONE = re.compile(r"\bthe (" + "|".join(COLOR_NAMES) + r") ones?\b")
_NEGATED = re.compile(r"\b(?:don'?t|do not|never|keep|leave)\b")


def _same_kind(graph: SceneGraph, ids: Sequence[str]) -> list:
    labels = {graph.get(i).label for i in ids if i in graph}
    return [o for o in graph.objects if o.label in labels]


def feedback_targets(graph: SceneGraph, feedback: str, previous: Sequence[str]
                     ) -> list[str] | None:
    """The objects feedback on a previous plan points at: "the blue one" (of the kind edited
    before), "not that one" / "the other apple" (that kind minus the ones edited), or what it
    names ("I meant all of the balls"). None when it points at nothing definite."""
    text = feedback.lower().replace("grey", "gray")
    negated = _NEGATED.search(text)
    kind = _same_kind(graph, previous)
    m = _THE_COLOR_ONE.search(text)
    if m and kind and not negated:
        found = [o.id for o in kind if o.color == m.group(1)]
        if found:
            return found
    if _OTHER.search(text) and kind and not negated:
        found = [o.id for o in kind if o.id not in previous]
        if found:
            return found
    if re.search(r"\b(?:i meant|i mean|missed)\b", text):
        return named_targets(graph, text)
    return None


def feedback_kept(graph: SceneGraph, feedback: str, previous: Sequence[str]) -> set[str]:
    """"Don't touch the red one": the object of the previous plan's kind with that colour."""
    text = feedback.lower().replace("grey", "gray")
    m = _THE_COLOR_ONE.search(text)
    if not (m and _NEGATED.search(text)):
        return set()
    return {o.id for o in _same_kind(graph, previous) if o.color == m.group(1)}


def clause_referents(graph: SceneGraph, clause: str, ops: set[str], llm: LLM | None = None,
                     instruction: str | None = None) -> tuple[list[str] | None, bool]:
    """The objects one clause is about, and whether evidence beyond the name ranked them (its
    colour, attributes, place or relations, or the model; ``ranking.py``): the best, or the
    close candidates when the evidence cannot tell them apart. Else the objects it names
    (False); None when neither settles it."""
    ranking = clause_ranking(graph, clause, ops, llm, instruction)
    if ranking is not None and any(c.evidence for c in ranking.candidates):
        return ranking.ids, True   # "the rightmost fruit": a kind, ranked by place
    if ranking is None or ranking.by_kind or ranking.described:
        return None, False   # an anaphor, a description, a kind: only common sense can tell
    named = {c.id for c in ranking.candidates}
    return [i for i in graph.ids if i in named], False


def clause_ranking(graph: SceneGraph, clause: str, ops: set[str], llm: LLM | None = None,
                   instruction: str | None = None) -> Ranking | None:
    """The ranked candidates of a clause's object (None for an add, which has no target)."""
    if ops and ops <= {"add"}:
        return None
    return rank_clause(graph, clause, ops, llm=llm, instruction=instruction)


def clause_scenes(graph: SceneGraph, instruction: str, llm: LLM | None = None
                  ) -> list[tuple[str, SceneGraph]]:
    """Each clause with the scene as it reads it: an object an earlier clause replaced goes by
    its new name ("replace the giraffe with a zebra\nadd a saddle to the zebra": the zebra is
    the giraffe's object). Only a replacement whose object the wording settles renames."""
    out = []
    scene = graph
    for clause in clauses(instruction):
        out.append((clause, scene))
        new = slots(clause).texts.get("with")
        ops = clause_ops(clause)
        if not new or not ops:
            continue
        found, _ = clause_referents(scene, clause, ops, llm, instruction)
        if found and len(found) == 1:
            scene = relabelled(scene, found[0], new[0])
    return out


def relabelled(graph: SceneGraph, object_id: str, text: str) -> SceneGraph:
    """A copy of the scene where one object is the new thing ``text`` names: its label, and
    its colour when the text names just one (other attributes were the old object's)."""
    lex = lexicon()
    colours = {c for c in map(lex.colour, text.split()) if c}
    objects = [o if o.id != object_id else o.model_copy(update={
        "label": text, "attributes": {"color": colours.pop()} if len(colours) == 1 else {}})
        for o in graph.objects]
    return graph.model_copy(update={"objects": objects})


def named_targets(graph: SceneGraph, text: str, llm: LLM | None = None) -> list[str] | None:
    """The objects the action clauses' object phrases name or rank first, when each clause
    names its own (an add names none): the union, in graph order; else None."""
    ids: set[str] = set()
    for clause, scene in clause_scenes(graph, text, llm):
        ops = clause_ops(clause)
        if ops and ops <= {"add"}:
            continue
        found, _ = clause_referents(scene, clause, ops, llm, text)
        if found is None and ops:
            return None   # a clause whose referent only the model can find
        ids.update(found or ())
    return [i for i in graph.ids if i in ids] or None


def bounded_targets(graph: SceneGraph, instruction: str, feedback: str | None = None,
                    previous: Sequence[str] = (), llm: LLM | None = None) -> list[str] | None:
    """The target ids the wording allows, or None when only common sense can tell."""
    if feedback and previous:
        found = feedback_targets(graph, feedback, previous)
        if found:
            return found
    found = named_targets(graph, instruction, llm)
    if found:
        # "replace the brown duck with a copy of one of the white ducks": the white ducks are
        # the source, not targets
        copied = {o.id for o in copied_objects(graph, instruction)}
        found = [i for i in found if i not in copied] or found
    return found


def places_left(graph: SceneGraph, clause: str) -> list[str]:
    """Objects a clause takes something off or out of ("take the remote off the coffee
    table", "remove the cat from the desk"): places, not the objects acted on."""
    m = re.search(r"\b(?:off|from|out of) (?:the|my) ([a-z' -]+)", clause.lower())
    objs = named_objects(graph, m.group(1)) if m else None
    return [o.id for o in objs or ()]


def anchor_targets(graph: SceneGraph, found: Slots, it: Sequence[str] = ()) -> list[str] | None:
    """The objects the placement phrases name ("to the left of the plate"; "of it": ``it``,
    the objects of the previous plan feedback refers to), or None when one of them names
    nothing in the graph or a placing clause has none."""
    ids: set[str] = set()
    for phrase in found.anchors:
        if phrase in ("it", "them"):
            if not it:
                return None
            ids.update(it)
            continue
        found = ranked_objects(graph, phrase)   # "the lower cup": the lower one
        if not found:
            return None
        ids.update(found)
    return [i for i in graph.ids if i in ids] or None


def swap_partners(graph: SceneGraph, instruction: str) -> list[str] | None:
    """The objects the last phrase of a swap clause names ("swap the mug next to the knife
    block with the kettle" -> the kettle), for the ``other`` field; None when no swap clause
    ends with a phrase naming something in the graph."""
    ids: set[str] = set()
    for clause in clauses(instruction):
        if "swap" not in clause_ops(clause):
            continue
        m = re.search(r".*\b(?:with|and) the ([a-z' -]+)$", clause)
        objs = named_objects(graph, m.group(1)) if m else None
        if not objs:
            return None
        ids.update(o.id for o in objs)
    return [i for i in graph.ids if i in ids] or None
