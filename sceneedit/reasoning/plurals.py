"""Plurals the model under-counts: "remove all the mugs", "make both cushions red".

Small models often write one edit where the instruction means every instance. When the
instruction has a quantifier, an edit on one object is copied to every other object with the same
label (and the same colour, when the instruction names that colour); a number word must match
the count exactly, or nothing is added. Deterministic, and only ever adds edits of the kind the
model chose itself.
"""
from __future__ import annotations

import re
from collections.abc import Collection

from ..ops import OP_REGISTRY
from ..plan import Plan
from ..scene.model import SceneGraph

_NUMBERS = {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_QUANTIFIER = re.compile(r"\b(all|every|each|both|two|three|four|five|six)\b", re.I)
# Ops whose only object is the target, so a copy with another target means the same thing
# (declared ``@op(copyable=True)``).
_COPYABLE = tuple(s.model for s in OP_REGISTRY if s.copyable)


def expand_plurals(plan: Plan, graph: SceneGraph, keep: Collection[str] = ()) -> Plan:
    """``keep``: objects the user protected ("don't touch the green one"), never added."""
    match = _QUANTIFIER.search(plan.instruction)
    if not match or not plan.edits:
        return plan
    want = _NUMBERS.get(match.group(1).lower())
    words = set(re.findall(r"[a-z]+", plan.instruction.lower()))
    edits = list(plan.edits)
    targeted = {(e.op, getattr(e, "target", None)) for e in edits}
    for edit in plan.edits:
        if not isinstance(edit, _COPYABLE) or getattr(edit, "source", None) is not None:
            continue
        ref = graph.get(edit.target)
        same = [o for o in graph.objects if o.label == ref.label
                and (ref.color not in words or o.color == ref.color)]
        if want is not None and len(same) != want:
            continue
        for obj in same:
            if (edit.op, obj.id) not in targeted and obj.id not in keep:
                edits.append(edit.model_copy(update={"target": obj.id}))
                targeted.add((edit.op, obj.id))
    return plan if len(edits) == len(plan.edits) else plan.model_copy(update={"edits": edits})


__all__ = ["expand_plurals"]
