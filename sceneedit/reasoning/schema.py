"""JSON schemas that constrain the LLM's decoding, built per scene from the edit models.

The edit models declared with ``@op`` (``sceneedit.ops``) are the single declaration of the
edit vocabulary; this module only narrows their schemas for one scene: object ids become enums, so
the grammar cannot name an object that is not in the graph, and colours, relations and ops
become enums. llama.cpp's grammar does not enforce numeric ranges, so ``scale`` is an enum of
factors inside ``SCALE_RANGE``; everything is validated again by pydantic afterwards.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..palette import COLOR_NAMES
from ..plan import EDIT_TYPES, PLACEMENT_RELATIONS, SCALE_RANGE
from .slots import TEXT_MAX, Slots

if TYPE_CHECKING:
    from .per_clause import ClauseEdit

# Scale factors people ask for ("half as big", "twice as big", "a bit larger").
SCALES: tuple[float, ...] = tuple(s for s in (0.25, 0.5, 0.75, 1.25, 1.5, 2.0, 3.0)
                                  if SCALE_RANGE[0] <= s <= SCALE_RANGE[1])
MAX_EDITS = 8        # one instruction rarely needs more; the grammar needs a bound
REASON_MAX = 300     # characters of the reasoning text


def _field_schema(model: type, name: str, ids: Sequence[str], slots: Slots
                  ) -> dict[str, Any] | None:
    """A field's decoding schema: object ids and free text as the op declares them
    (``id_fields``, ``text_fields``), and the shared vocabularies by name."""
    if name in model.id_fields:
        return {"enum": list(ids)}
    if name == "color":
        return {"enum": list(slots.colours or COLOR_NAMES)}
    if name == "relation":
        return {"enum": list(slots.relations or PLACEMENT_RELATIONS)}
    if name == "scale":
        return {"enum": list(SCALES)}
    if name in model.text_fields:
        if slots.texts.get(name):   # spelled out in the instruction: copied word for word
            return {"enum": list(slots.texts[name])}
        return {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}
    return None


def edit_variants(ids: Sequence[str], ops: Iterable[str] | None = None,
                  targets: Sequence[str] | None = None, slots: Slots | None = None,
                  anchors: Sequence[str] | None = None, others: Sequence[str] | None = None,
                  sources: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One object schema per edit shape of every registered op (replace has two: ``with`` or
    ``source``).

    ``ops`` limits the allowed ops (user constraints such as "don't use recolor");
    ``targets`` limits the ``target`` field (e.g. to the referents found in a first step);
    ``slots`` fixes text fields and placement relations the instruction spells out;
    ``anchors`` limits the ``anchor`` field (the objects the placement phrases name),
    ``others`` the ``other`` field of a swap and ``sources`` a replacement's ``source``.
    """
    limits = {"target": targets, "anchor": anchors, "other": others, "source": sources}
    slots = slots or Slots()
    allowed = set(ops) if ops is not None else None
    variants = []
    for model in EDIT_TYPES:
        op = model.model_fields["op"].default
        if allowed is not None and op not in allowed:
            continue
        base = model.model_json_schema(by_alias=True)
        props: dict[str, Any] = {"op": {"const": op}}
        for name in base["properties"]:
            if name == "op":
                continue
            field = _field_schema(model, name, limits.get(name) or ids, slots)
            if field is None:
                raise TypeError(f"no decoding schema for field {op}.{name}")
            props[name] = field
        shapes = [props]
        if model.exclusive:  # exactly one of them (replace: with / source): one shape each
            shapes = [{k: v for k, v in props.items() if k == keep or k not in model.exclusive}
                      for keep in model.exclusive]
        for shape in shapes:
            variants.append({"type": "object", "properties": shape, "required": list(shape),
                             "additionalProperties": False})
    return variants


def plan_schema(ids: Sequence[str], ops: Iterable[str] | None = None,
                targets: Sequence[str] | None = None, slots: Slots | None = None,
                anchors: Sequence[str] | None = None,
                per_clause: Sequence[ClauseEdit] | None = None,
                others: Sequence[str] | None = None,
                sources: Sequence[str] | None = None) -> dict[str, Any]:
    """The schema of the planner's answer: reasoning, edits, or unresolved (with what is
    missing from the graph, for the perception refinement loop). ``per_clause``: exactly one
    edit per clause, in order, each with its own ops, targets, fields and anchors."""
    if per_clause:
        items = [{"anyOf": edit_variants(ids, c.ops, c.targets, c.slots, c.anchors, others,
                                             sources)}
                 for c in per_clause]
        # an empty list stays possible: "unresolved" is always an answer
        edits: dict[str, Any] = {"anyOf": [
            {"type": "array", "prefixItems": items, "items": False, "minItems": len(items)},
            {"type": "array", "items": items[0], "maxItems": 0}]}
    else:
        edits = {"type": "array",
                 "items": {"anyOf": edit_variants(ids, ops, targets, slots, anchors, others,
                                                  sources)},
                 "maxItems": MAX_EDITS}
    return {
        "type": "object",
        "properties": {
            "reasoning": {"type": "string", "maxLength": REASON_MAX},
            "edits": edits,
            "unresolved": {"anyOf": [{"type": "null"},
                                     {"type": "string", "maxLength": REASON_MAX}]},
            "missing": {"type": "array", "items": {"type": "string", "maxLength": TEXT_MAX},
                        "maxItems": 4},
        },
        "required": ["reasoning", "edits", "unresolved", "missing"],
        "additionalProperties": False,
    }
