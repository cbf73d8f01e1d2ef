"""Atomic edits and the Plan document (``sceneedit.plan/1``, see INTERCHANGE.md).

The edit models here are the one declaration of the edit vocabulary: validation, the JSON schema
the planner's decoding is constrained by, and the edit docs an LLM reads all come from them.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, \
    ValidationError as PydanticError, field_validator, model_serializer, model_validator

from .document import JsonDocument
from .errors import ValidationError
from .palette import COLOR_NAMES, check_color
from .scene.model import PREDICATES, Predicate, SceneGraph, pydantic_to_ours

PLAN_FORMAT = "sceneedit.plan/1"
# Resize factors outside this range are refused: below it objects vanish into a few pixels,
# above it a single object dominates the frame and the edit is better expressed as a replace.
SCALE_RANGE = (0.25, 3.0)
# Relations an object can be *placed* by (add / move); the others (larger_than, same_color_as,
# ...) describe a scene but do not say where something goes.
PLACEMENT_RELATIONS: tuple[str, ...] = (
    "left_of", "right_of", "above", "below", "on_top_of", "near", "inside", "in_front_of")


class _Edit(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # Names of the fields that hold object ids (checked against the graph).
    id_fields: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _serialize(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}

    def object_ids(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.id_fields if getattr(self, f) is not None}


class RemoveEdit(_Edit):
    """Remove the target object; the background behind it is filled in."""
    op: Literal["remove"] = "remove"
    target: str
    id_fields: ClassVar[tuple[str, ...]] = ("target",)


class ReplaceEdit(_Edit):
    """Replace the target with a new object described by `with`, or with a copy of `source`,
    an object already in the image. Exactly one of `with` / `source`."""
    op: Literal["replace"] = "replace"
    target: str
    with_: str | None = Field(default=None, alias="with", min_length=1)
    source: str | None = None
    id_fields: ClassVar[tuple[str, ...]] = ("target", "source")

    @model_validator(mode="after")
    def _one_of(self) -> "ReplaceEdit":
        if (self.with_ is None) == (self.source is None):
            raise ValueError("replace needs exactly one of 'with' (a description) or 'source' "
                             "(an object id)")
        return self


class RecolorEdit(_Edit):
    """Change the target's colour to a palette colour, keeping its shading and texture."""
    op: Literal["recolor"] = "recolor"
    target: str
    color: str
    id_fields: ClassVar[tuple[str, ...]] = ("target",)

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        try:
            return check_color(v)
        except ValidationError:
            raise ValueError(f"unknown colour {v!r}") from None


class AddEdit(_Edit):
    """Add a new object described by `what`, placed by `relation` to the `anchor` object."""
    op: Literal["add"] = "add"
    what: str = Field(min_length=1)
    anchor: str
    relation: Predicate
    id_fields: ClassVar[tuple[str, ...]] = ("anchor",)


class MoveEdit(_Edit):
    """Move the target to the place given by `relation` to the `anchor` object."""
    op: Literal["move"] = "move"
    target: str
    anchor: str
    relation: Predicate
    id_fields: ClassVar[tuple[str, ...]] = ("target", "anchor")


class ResizeEdit(_Edit):
    """Scale the target by `scale` (its bottom edge stays where it stands)."""
    op: Literal["resize"] = "resize"
    target: str
    scale: float
    id_fields: ClassVar[tuple[str, ...]] = ("target",)

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: float) -> float:
        lo, hi = SCALE_RANGE
        if not lo <= v <= hi:
            raise ValueError(f"scale {v} is out of range; valid range is {lo}..{hi}")
        if v == 1.0:
            raise ValueError(f"scale 1.0 changes nothing; valid range is {lo}..{hi}, not 1.0")
        return v


class SwapEdit(_Edit):
    """Exchange the places of the target and `other`."""
    op: Literal["swap"] = "swap"
    target: str
    other: str
    id_fields: ClassVar[tuple[str, ...]] = ("target", "other")


class RestyleEdit(_Edit):
    """Change the target's material or texture (`style`, e.g. "made of wood")."""
    op: Literal["restyle"] = "restyle"
    target: str
    style: str = Field(min_length=1)
    id_fields: ClassVar[tuple[str, ...]] = ("target",)


EDIT_TYPES: tuple[type[_Edit], ...] = (RemoveEdit, ReplaceEdit, RecolorEdit, AddEdit, MoveEdit,
                                       ResizeEdit, SwapEdit, RestyleEdit)
OPS: tuple[str, ...] = tuple(t.model_fields["op"].default for t in EDIT_TYPES)
Edit = Annotated[Union[RemoveEdit, ReplaceEdit, RecolorEdit, AddEdit, MoveEdit, ResizeEdit,
                       SwapEdit, RestyleEdit], Field(discriminator="op")]
_EDIT_ADAPTER: TypeAdapter = TypeAdapter(Edit)
_CHOICES = {"relation": PREDICATES, "color": COLOR_NAMES}


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
        an object an earlier edit removed are errors naming the field (``edits.N.target``).
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
            _check_meaningful(edit, graph, where)
            if isinstance(edit, RemoveEdit):
                removed[edit.target] = i
        return graph


def _words(text: str) -> str:
    return " ".join(w for w in text.lower().replace("-", " ").split()
                    if w not in ("a", "an", "the", "new", "another"))


def _check_meaningful(edit: _Edit, graph: SceneGraph, where: str) -> None:
    """Edits that parse but cannot mean what was asked: a colour is not an object or a
    material, and replacing an object with its own kind changes nothing."""
    if isinstance(edit, ReplaceEdit) and edit.with_ is not None:
        text = _words(edit.with_)
        # "orange" is a colour, "an orange" a fruit: only a bare colour name is a colour
        if edit.with_.strip().lower() in COLOR_NAMES:
            raise ValidationError(f"{where}.with", f"{edit.with_!r} is a colour, not an object: "
                                  "to change a colour use recolor")
        if text == _words(graph.get(edit.target).label):
            raise ValidationError(f"{where}.with", f"replacing {edit.target} "
                                  f"({graph.get(edit.target).label}) with {edit.with_!r} changes "
                                  "nothing: to change its colour use recolor, its material "
                                  "restyle")
    if isinstance(edit, RestyleEdit) and edit.style.strip().lower() in COLOR_NAMES:
        raise ValidationError(f"{where}.style", f"{edit.style!r} is a colour, not a style: use "
                              "recolor")
