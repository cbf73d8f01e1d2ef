"""Ambiguity is said, not hidden: a plan's ``alternatives`` (INTERCHANGE.md, "Optional plan keys").

Where the planner could not tell candidates apart with confidence, the plan still commits to one
(its edit holds the best candidate, so it stays actionable) and records the choice: which edit,
which id field, and the ranked candidates, the chosen id first. The front ends then say
"did you mean o3 (speaker) or o5 (router)?" and let the user pick another without planning
again (``Plan.choose``; ``Editor.choose`` / ``Session.choose`` re-render; ``sceneedit render
--choose``).

This module is core: it knows plans and graphs, never the planner that fills them.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, StrictStr

from .errors import ValidationError
from .scene.model import SceneGraph

if TYPE_CHECKING:
    from .plan import Plan

# The id fields of the spec; a test checks that every op's ``id_fields`` is among them, so an op
# with a new kind of id field cannot go unnoticed here.
IdField = Literal["target", "source", "anchor", "other"]
ID_FIELDS: tuple[str, ...] = get_args(IdField)

# How a choice of each field reads after "did you mean A or B": the target is implied.
_ROLE = {"target": "", "source": " as the source", "anchor": " as the anchor",
         "other": " as the other object"}


class Candidate(BaseModel):
    """One object the planner considered for a choice, with its score (higher is better; the
    scale is the planner's: a probability, a log-likelihood, ...)."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    id: StrictStr = Field(min_length=1)
    score: StrictFloat


class Alternative(BaseModel):
    """One choice the planner was unsure of: ``edits[edit].<field>`` holds ``candidates[0]``."""

    model_config = ConfigDict(extra="allow")

    edit: StrictInt          # an index into the plan's edits (range checked against the plan)
    field: IdField
    candidates: list[Candidate]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.candidates]

    @property
    def path(self) -> str:
        """Where the choice sits in the plan: ``edits.0.target``."""
        return f"edits.{self.edit}.{self.field}"

    def picking(self, object_id: str) -> "Alternative":
        """This entry with ``object_id`` moved first (the rest keep their order): the chosen id
        is always first, and the planner's ranking stays recorded."""
        first = [c for c in self.candidates if c.id == object_id]
        rest = [c for c in self.candidates if c.id != object_id]
        return self.model_copy(update={"candidates": first + rest})


def check_alternatives(plan: "Plan", graph: SceneGraph | None = None) -> None:
    """Raise ``ValidationError`` (``plan.alternatives.N.<key>``) unless every entry describes a
    choice the plan actually made: ``edit`` indexes an edit that has ``field``, the first
    candidate is the id that field holds, there are at least two candidates, none twice, one
    entry per choice and, with a ``graph``, every candidate is an object of it."""
    seen: dict[str, int] = {}
    for n, alt in enumerate(plan.alternatives):
        where = f"plan.alternatives.{n}"
        if not 0 <= alt.edit < len(plan.edits):
            raise ValidationError(f"{where}.edit", f"{alt.edit} is not an index of the plan's "
                                  f"edits (it has {len(plan.edits)})")
        edit = plan.edits[alt.edit]
        held = edit.object_ids()
        if alt.field not in held:
            raise ValidationError(f"{where}.field", f"edits.{alt.edit} ({edit.op}) has no "
                                  f"{alt.field!r}", list(held) if held else None)
        if alt.path in seen:
            raise ValidationError(f"{where}", f"a second entry for {alt.path} (the first is "
                                  f"plan.alternatives.{seen[alt.path]})")
        seen[alt.path] = n
        ids = alt.ids
        if len(ids) < 2:
            raise ValidationError(f"{where}.candidates", f"a choice needs at least 2 "
                                  f"candidates, got {len(ids)}")
        twice = next((oid for k, oid in enumerate(ids) if oid in ids[:k]), None)
        if twice is not None:
            raise ValidationError(f"{where}.candidates", f"{twice} is listed twice")
        if ids[0] != held[alt.field]:
            raise ValidationError(f"{where}.candidates.0.id", f"the first candidate must be "
                                  f"the id {alt.path} holds ({held[alt.field]}), got {ids[0]}")
        if graph is not None:
            for k, oid in enumerate(ids):
                graph.get(oid, field=f"{where}.candidates.{k}.id")  # unknown id: the error


def find_alternative(alternatives: Sequence[Alternative], object_id: str,
                     edit: int | None = None, field: str | None = None) -> int:
    """The index of the entry that picking ``object_id`` means. ``edit`` / ``field`` narrow the
    entries; they are needed only when ``object_id`` is a candidate of several. An id that no
    matching entry lists is an error naming the candidates."""
    if field is not None and field not in ID_FIELDS:
        raise ValidationError("field", f"unknown id field {field!r}", ID_FIELDS)
    if not alternatives:
        raise ValidationError("plan.alternatives", "the plan records no alternatives: every "
                              "choice it made was clear")
    pool = [n for n, a in enumerate(alternatives)
            if (edit is None or a.edit == edit) and (field is None or a.field == field)]
    if not pool:
        asked = " ".join(x for x in (f"edit={edit}" if edit is not None else "",
                                     f"field={field!r}" if field else "") if x)
        raise ValidationError("plan.alternatives", f"no choice recorded for {asked}",
                              [a.path for a in alternatives])
    having = [n for n in pool if object_id in alternatives[n].ids]
    if len(having) == 1:
        return having[0]
    if having:
        raise ValidationError("plan.alternatives", f"{object_id} is a candidate of several "
                              "choices: say which with edit and field",
                              [alternatives[n].path for n in having])
    if len(pool) == 1:
        alt = alternatives[pool[0]]
        raise ValidationError(f"plan.alternatives.{pool[0]}.candidates", f"{object_id!r} is "
                              f"not a candidate for {alt.path}", alt.ids)
    raise ValidationError("plan.alternatives", f"{object_id!r} is not a candidate of any "
                          "recorded choice", {i for n in pool for i in alternatives[n].ids})


def _name(object_id: str, ids: list[str], graph: SceneGraph | None) -> str:
    """``o3 (speaker)``; ``o2 (blue mug)`` when another candidate has the same label, so that
    two mugs are not offered as "o2 (mug) or o4 (mug)"."""
    if graph is None or object_id not in graph:
        return object_id
    obj = graph.get(object_id)
    twin = any(o != object_id and o in graph and graph.get(o).label == obj.label for o in ids)
    return f"{object_id} ({obj.color + ' ' if twin and obj.color else ''}{obj.label})"


def _or(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def did_you_mean(plan: "Plan", graph: SceneGraph | None = None) -> list[str]:
    """One line per recorded choice, the chosen object first:
    ``did you mean o3 (speaker) or o5 (router)?``; ``... as the anchor?`` for an id field other
    than the target; prefixed ``edit 2 (move): `` (numbered from 1, as plans are listed) when the
    plan has several edits. Labels come from ``graph``, else the plan's own; empty: no
    ambiguity."""
    check_alternatives(plan)
    graph = graph or plan.graph
    lines = []
    for alt in plan.alternatives:
        ask = (f"did you mean {_or([_name(oid, alt.ids, graph) for oid in alt.ids])}"
               f"{_ROLE[alt.field]}?")
        if len(plan.edits) > 1:
            ask = f"edit {alt.edit + 1} ({plan.edits[alt.edit].op}): {ask}"
        lines.append(ask)
    return lines


def pick_token(plan: "Plan", n: int, object_id: str) -> str:
    """How ``--choose`` spells picking ``object_id`` for entry ``n``: the bare id when that is
    unambiguous, else ``EDIT:FIELD=ID`` (EDIT numbered from 1, as plans are listed)."""
    alt = plan.alternatives[n]
    if sum(object_id in a.ids for a in plan.alternatives) == 1:
        return object_id
    return f"{alt.edit + 1}:{alt.field}={object_id}"


def parse_pick(text: str) -> tuple[str, int | None, str | None]:
    """``--choose`` as given: ``ID``, ``FIELD=ID``, ``EDIT:ID`` or ``EDIT:FIELD=ID`` with EDIT
    numbered from 1, as plans are listed. Returns (id, edit index from 0, field)."""
    usage = (f"--choose takes ID, FIELD=ID or EDIT:FIELD=ID (EDIT numbered from 1, as the plan "
             f"lists its edits), got {text!r}")
    edit = field = None
    rest = text.strip()
    head, sep, tail = rest.partition(":")
    if sep:
        if not head.isdigit() or int(head) < 1:
            raise ValidationError("--choose", usage)
        edit, rest = int(head) - 1, tail
    head, sep, tail = rest.partition("=")
    if sep:
        if head not in ID_FIELDS:
            raise ValidationError("--choose", f"unknown id field {head!r} in {text!r}",
                                  ID_FIELDS)
        field, rest = head, tail
    if not rest or any(ch.isspace() or ch in ":=" for ch in rest):
        raise ValidationError("--choose", usage)
    return rest, edit, field
