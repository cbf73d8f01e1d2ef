"""The Plan document (``sceneedit.plan/1``, see INTERCHANGE.md): a list of atomic edits.

The edit models are declared once each, with ``@op`` in ``sceneedit.ops``; the union of edits
here, validation, the JSON schema the planner's decoding is constrained by, and the edit docs an
LLM reads all come from that registry.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, \
    ValidationError as PydanticError, model_serializer, model_validator

from .alternatives import ID_FIELDS, Alternative, check_alternatives, find_alternative
from .alternatives import Candidate  # noqa: F401  (re-exported beside Alternative)
from .bricks.placement import PLACEMENT_RELATIONS
from .document import JsonDocument
from .errors import ValidationError
from .ops import OP_REGISTRY, EditBase as _Edit
# The edit models, re-exported where callers have always found them.
from .ops.add import AddEdit  # noqa: F401
from .ops.move import MoveEdit  # noqa: F401
from .ops.recolor import RecolorEdit  # noqa: F401
from .ops.remove import RemoveEdit
from .ops.replace import ReplaceEdit  # noqa: F401
from .ops.resize import SCALE_RANGE, ResizeEdit  # noqa: F401
from .ops.restyle import RestyleEdit  # noqa: F401
from .ops.swap import SwapEdit  # noqa: F401
from .palette import COLOR_NAMES
from .scene.model import PREDICATES, SceneGraph, pydantic_to_ours

PLAN_FORMAT = "sceneedit.plan/1"

EDIT_TYPES: tuple[type[_Edit], ...] = OP_REGISTRY.models
OPS: tuple[str, ...] = OP_REGISTRY.names
Edit = Annotated[Union[EDIT_TYPES], Field(discriminator="op")]  # type: ignore[valid-type]
_EDIT_ADAPTER: TypeAdapter = TypeAdapter(Edit)
_CHOICES = {"relation": PREDICATES, "color": COLOR_NAMES, "field": ID_FIELDS}


def parse_edit(data: Any, where: str = "edit") -> _Edit:
    """Validate one edit dict, raising an error that names the field and the valid choices."""
    if isinstance(data, dict) and data.get("op") not in OPS:
        raise ValidationError(f"{where}.op", f"unknown op {data.get('op')!r}", OPS)
    try:
        return _EDIT_ADAPTER.validate_python(data)
    except PydanticError as exc:
        raise pydantic_to_ours(exc, where, _CHOICES, skip_tags=OPS) from None


class Plan(JsonDocument, BaseModel):
    document_name: ClassVar[str] = "plan"
    document_format: ClassVar[str] = PLAN_FORMAT

    model_config = ConfigDict(extra="allow")

    format: Literal["sceneedit.plan/1"] = PLAN_FORMAT
    instruction: str
    reasoning: str | None = None
    graph: SceneGraph | None = None
    edits: list[Edit] = Field(default_factory=list)
    unresolved: str | None = None
    # the choices the planner was unsure of, the chosen candidate first (``alternatives``)
    alternatives: list[Alternative] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unresolved_means_no_edits(self) -> "Plan":
        if self.unresolved is not None and self.edits:
            raise ValueError("a plan with 'unresolved' set must have no edits")
        return self

    @model_serializer(mode="wrap")
    def _serialize(self, handler):
        data = handler(self)
        for key in ("reasoning", "graph"):
            if data.get(key) is None:
                data.pop(key, None)
        if not data.get("alternatives"):  # optional key: absent when every choice was clear
            data.pop("alternatives", None)
        return data  # "unresolved" is always written, null when the plan is actionable

    # ---- reading and writing -------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> "Plan":
        data = cls.checked_object(data)
        edits = data.get("edits", [])
        if not isinstance(edits, list):
            raise ValidationError("plan.edits", "expected a list of edits")
        for i, e in enumerate(edits):  # per-edit first: clearer messages than the union's
            parse_edit(e, f"plan.edits.{i}")
        if isinstance(data.get("graph"), dict):
            SceneGraph.from_dict(data["graph"])
        try:
            return cls.model_validate(data)
        except PydanticError as exc:
            raise pydantic_to_ours(exc, "plan", _CHOICES, skip_tags=OPS) from None

    # ---- semantics ------------------------------------------------------------------------
    def validate_against(self, graph: SceneGraph | None = None) -> SceneGraph:
        """Check every edit against the graph (given, or the plan's own); return that graph.

        Unknown ids, self-references, placement by a relation that places nothing, and edits on
        an object an earlier edit removed are errors naming the field (``edits.N.target``); so
        is an ``alternatives`` entry that does not describe a choice the plan made
        (``plan.alternatives.N.edit``, see ``alternatives.check_alternatives``).
        """
        graph = graph or self.graph
        if graph is None:
            raise ValidationError("plan.graph", "the plan carries no scene graph; pass one")
        removed: dict[str, int] = {}
        for i, edit in enumerate(self.edits):
            where = f"edits.{i}"
            for field, oid in edit.object_ids().items():
                graph.get(oid, field=f"{where}.{field}")
                if oid in removed:
                    raise ValidationError(f"{where}.{field}",
                                          f"{oid} was removed by edits.{removed[oid]}")
            ids = list(edit.object_ids().values())
            if len(ids) != len(set(ids)):
                raise ValidationError(where, f"an edit cannot refer to one object twice ({ids})")
            relation = getattr(edit, "relation", None)
            if relation is not None and relation not in PLACEMENT_RELATIONS:
                raise ValidationError(f"{where}.relation",
                                      f"{relation!r} does not say where to place an object",
                                      PLACEMENT_RELATIONS)
            edit.check_meaningful(graph, where)
            if isinstance(edit, RemoveEdit):
                removed[edit.target] = i
        check_alternatives(self, graph)
        return graph

    def choose(self, object_id: str, *, edit: int | None = None,
               field: str | None = None) -> "Plan":
        """A copy of this plan that uses ``object_id`` for one of its recorded choices
        (``alternatives``): that edit's field holds it, and the entry lists it first (the other
        candidates stay recorded, so the choice can be changed again).

        ``edit`` (an index into ``edits``) and ``field`` say which choice; they may be left out
        when ``object_id`` is a candidate of one choice only. The copy is validated against the
        plan's graph when it carries one. A sealed plan's carried ``workflow`` was compiled
        from the old edits and would be refused (``selfcontained.check_carried_workflow``):
        the copy drops it and is compiled afresh with the same carried render settings.
        """
        check_alternatives(self)  # the entry must match the edits before it can be swapped
        n = find_alternative(self.alternatives, object_id, edit, field)
        alt = self.alternatives[n]
        edits = list(self.edits)
        edits[alt.edit] = edits[alt.edit].model_copy(update={alt.field: object_id})
        alternatives = list(self.alternatives)
        alternatives[n] = alt.picking(object_id)
        chosen = self.model_copy(update={"edits": edits, "alternatives": alternatives})
        if chosen.__pydantic_extra__:
            chosen.__pydantic_extra__.pop("workflow", None)  # model_copy copied the dict
        if chosen.graph is not None:
            chosen.validate_against()
        else:
            check_alternatives(chosen)
        return chosen
