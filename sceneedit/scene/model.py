"""The scene graph: typed objects and relations, read and written in the interchange format
``sceneedit.scene-graph/1`` (see ``shared/spec/INTERCHANGE.md``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal, Union, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticError, \
    field_validator, model_serializer, model_validator

from ..document import JsonDocument
from ..errors import ValidationError
from ..masks import RLE, box_to_mask

if TYPE_CHECKING:
    import networkx as nx

    from .diff import GraphDiff

GRAPH_FORMAT = "sceneedit.scene-graph/1"

Predicate = Literal[
    "left_of", "right_of", "above", "below", "on_top_of", "under", "inside", "contains",
    "near", "overlaps", "in_front_of", "behind", "larger_than", "smaller_than", "same_color_as",
]
PREDICATES: tuple[str, ...] = get_args(Predicate)
# The inverse of each predicate: a query for (a, p, b) also matches a stored (b, INVERSE[p], a).
INVERSE: dict[str, str] = {
    "left_of": "right_of", "right_of": "left_of", "above": "below", "below": "above",
    "on_top_of": "under", "under": "on_top_of", "inside": "contains", "contains": "inside",
    "near": "near", "overlaps": "overlaps", "in_front_of": "behind", "behind": "in_front_of",
    "larger_than": "smaller_than", "smaller_than": "larger_than",
    "same_color_as": "same_color_as",
}

Number = Union[int, float]  # ints stay ints so documents round-trip byte for byte


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Optional keys are written only when they carry something."""
    return {k: v for k, v in data.items() if v is not None and v != {}}


class Provenance(BaseModel):
    """Which backend produced an object, and in which refinement round (0 = first pass)."""

    model_config = ConfigDict(extra="allow")
    backend: str
    round: int = 0


class SceneObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    label: str = Field(min_length=1)
    box: list[Number] = Field(description="[x0, y0, x1, y1] in pixels")
    score: float | None = Field(default=None, ge=0, le=1)
    mask: RLE | None = None
    attributes: dict[str, Union[bool, int, float, str]] = Field(default_factory=dict)
    depth: float | None = Field(default=None, ge=0, le=1)
    provenance: Provenance | None = None

    @field_validator("box")
    @classmethod
    def _check_box(cls, v: list[Number]) -> list[Number]:
        if len(v) != 4:
            raise ValueError(f"box must be [x0, y0, x1, y1], got {len(v)} numbers")
        if not (v[0] < v[2] and v[1] < v[3]):
            raise ValueError(f"box must have x0 < x1 and y0 < y1, got {v}")
        return v

    @model_serializer(mode="wrap")
    def _serialize(self, handler):
        return _drop_empty(handler(self))

    @property
    def area(self) -> float:
        """Mask area in pixels when there is a mask, else box area."""
        if self.mask is not None:
            return float(self.mask.to_array().sum())
        x0, y0, x1, y1 = self.box
        return float((x1 - x0) * (y1 - y0))

    @property
    def center(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return ((x0 + x1) / 2, (y0 + y1) / 2)

    @property
    def color(self) -> str | None:
        c = self.attributes.get("color")
        return c if isinstance(c, str) else None


class Relation(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    subject: str
    predicate: Predicate
    object: str


class ImageInfo(BaseModel):
    model_config = ConfigDict(extra="allow")
    width: int = Field(gt=0)
    height: int = Field(gt=0)


def pydantic_to_ours(exc: PydanticError, what: str,
                     choices_for: dict[str, tuple[str, ...]] | None = None,
                     skip_tags: tuple[str, ...] = ()) -> ValidationError:
    """Turn pydantic's report into one message naming the JSON path of the first problem;
    ``choices_for`` maps a field name to its valid values, listed in the message;
    ``skip_tags`` are discriminated-union tags pydantic puts in the path (not JSON keys)."""
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"] if p not in skip_tags]
    field = ".".join([what, *loc])
    msg = err["msg"].removeprefix("Value error, ")
    choices = None
    if err["type"] in ("literal_error", "enum", "union_tag_invalid"):
        msg = f"unknown value {err.get('input')!r}"
        if err["type"] == "union_tag_invalid":
            field = ".".join([what, *loc, str(err.get("ctx", {}).get("discriminator", "")).strip("'")])
            choices = tuple(err.get("ctx", {}).get("expected_tags", "").replace("'", "").split(", "))
    for name, values in (choices_for or {}).items():
        if loc and loc[-1] == name:
            choices = values
    return ValidationError(field, msg, choices)


class SceneGraph(JsonDocument, BaseModel):
    document_name: ClassVar[str] = "scene graph"
    document_format: ClassVar[str] = GRAPH_FORMAT

    model_config = ConfigDict(extra="allow")

    format: Literal["sceneedit.scene-graph/1"] = GRAPH_FORMAT
    image: ImageInfo
    objects: list[SceneObject] = Field(default_factory=list)
    # None = absent in the document; derived geometrically on demand (see ``all_relations``).
    relations: list[Relation] | None = None

    @model_validator(mode="after")
    def _check_ids(self) -> "SceneGraph":
        seen: set[str] = set()
        for i, obj in enumerate(self.objects):
            if obj.id in seen:
                raise ValueError(f"objects[{i}].id {obj.id!r} is not unique")
            seen.add(obj.id)
            if obj.mask is not None and obj.mask.size != [self.image.height, self.image.width]:
                raise ValueError(
                    f"objects[{i}].mask.size {obj.mask.size} does not match the image "
                    f"[height, width] = [{self.image.height}, {self.image.width}]")
        for i, rel in enumerate(self.relations or []):
            for end in ("subject", "object"):
                if getattr(rel, end) not in seen:
                    raise ValueError(f"relations[{i}].{end} {getattr(rel, end)!r} is not an "
                                     f"object id (ids: {', '.join(sorted(seen))})")
        return self

    @model_serializer(mode="wrap")
    def _serialize(self, handler):
        data = handler(self)
        if data.get("relations") is None:
            data.pop("relations", None)
        return data

    # ---- reading and writing -------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any) -> "SceneGraph":
        data = cls.checked_object(data)
        try:
            return cls.model_validate(data)
        except PydanticError as exc:
            raise pydantic_to_ours(exc, "scene graph", {"predicate": PREDICATES}) from None






    # ---- access ---------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        return [o.id for o in self.objects]

    def get(self, object_id: str, field: str = "id") -> SceneObject:
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        raise ValidationError(field, f"unknown object id {object_id!r}",
                              [f"{o.id} ({o.label})" for o in self.objects])

    def __contains__(self, object_id: object) -> bool:
        return any(o.id == object_id for o in self.objects)

    def check_matches(self, image: np.ndarray, what: str = "image") -> None:
        """Raise unless this graph describes an image of ``image``'s size."""
        h, w = image.shape[:2]
        if (self.image.width, self.image.height) != (w, h):
            raise ValidationError("graph.image", f"the graph is for a {self.image.width}x"
                                  f"{self.image.height} image but the {what} is {w}x{h}")

    def mask_of(self, object_id: str) -> np.ndarray:
        """The object's mask, or its filled box when the graph has no mask for it."""
        obj = self.get(object_id)
        if obj.mask is not None:
            return obj.mask.to_array()
        return box_to_mask(obj.box, self.image.height, self.image.width)

    def next_id(self) -> str:
        """A fresh id of the form ``oN`` that no object uses."""
        used = {int(i[1:]) for i in self.ids if i[:1] == "o" and i[1:].isdigit()}
        return f"o{max(used, default=0) + 1}"

    # ---- relations and queries -----------------------------------------------------------
    def all_relations(self) -> list[Relation]:
        """The document's relations, or geometrically derived ones when it has none."""
        if self.relations is not None:
            return list(self.relations)
        # Not cached: objects are mutable, and a stale cache would answer for an old scene.
        # Callers that query often take ``with_derived_relations()`` once.
        from .relations import derive_relations

        return derive_relations(self)

    def with_derived_relations(self) -> "SceneGraph":
        """A copy whose ``relations`` are (re)derived from geometry and attributes."""
        from .relations import derive_relations

        return self.model_copy(update={"relations": derive_relations(self)})

    def holds(self, subject: str, predicate: str, obj: str) -> bool:
        """Whether (subject, predicate, obj) holds, also via the stored inverse relation."""
        inv = INVERSE[predicate]
        return any((r.subject, r.predicate, r.object) in
                   ((subject, predicate, obj), (obj, inv, subject)) for r in self.all_relations())

    def to_networkx(self) -> "nx.MultiDiGraph":
        """A networkx view: nodes are ids with their attributes; each relation is an edge keyed
        by its predicate, and its inverse edge is added too so that queries need not care."""
        from .query import to_networkx

        return to_networkx(self)

    # ---- for people and LLMs -------------------------------------------------------------
    def to_text(self, max_chars: int = 4000) -> str:
        from .text import graph_to_text

        return graph_to_text(self, max_chars=max_chars)

    def diff(self, other: "SceneGraph") -> "GraphDiff":
        from .diff import diff_graphs

        return diff_graphs(self, other)

    def render(self, image: np.ndarray | None = None, **kwargs: Any) -> np.ndarray:
        """An annotated RGB image: masks, boxes and ids drawn over ``image`` (or a blank)."""
        from .render import render_graph

        return render_graph(self, image, **kwargs)

    def _repr_html_(self) -> str:
        from .render import graph_html

        return graph_html(self)
