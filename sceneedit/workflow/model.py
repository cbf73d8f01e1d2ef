"""The workflow document: a JSON DAG of brick calls (``sceneedit.workflow/1``).

A node's input is a literal JSON value or a reference ``{"ref": "SOURCE.PORT"}`` where SOURCE is
``input`` (the run's inputs, e.g. ``input.image``) or the id of an earlier node. ``outputs`` maps
names to references; ``image`` is the result and ``footprint`` the mask of pixels the edits may
change (the executor restores every pixel outside it from ``input.image``).
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticError

from ..document import JsonDocument
from ..errors import ValidationError

WORKFLOW_FORMAT = "sceneedit.workflow/1"
INPUT = "input"  # the reserved source name of the run's inputs


class Ref(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    ref: str

    @property
    def source(self) -> str:
        return self.ref.split(".", 1)[0]

    @property
    def port(self) -> str:
        return self.ref.split(".", 1)[1] if "." in self.ref else ""


def as_ref(value: Any) -> Ref | None:
    """The reference a node input holds, or None for a literal."""
    if isinstance(value, Ref):
        return value
    if isinstance(value, dict) and set(value) == {"ref"} and isinstance(value["ref"], str):
        return Ref(ref=value["ref"])
    return None


class Node(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1)
    brick: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    note: str | None = None  # why this node exists (e.g. "edit 0: remove o3")


class Workflow(JsonDocument, BaseModel):
    document_name: ClassVar[str] = "workflow"
    dump_options: ClassVar[dict[str, Any]] = {"exclude_none": True}

    model_config = ConfigDict(extra="allow")
    format: Literal["sceneedit.workflow/1"] = WORKFLOW_FORMAT
    inputs: dict[str, str] = Field(default_factory=dict)   # name -> PortType value
    nodes: list[Node] = Field(default_factory=list)
    outputs: dict[str, Ref] = Field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> "Workflow":
        if not isinstance(data, dict):
            raise ValidationError("workflow", f"expected a JSON object, got {type(data).__name__}")
        try:
            return cls.model_validate(data)
        except PydanticError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ValidationError(f"workflow.{loc}", err["msg"]) from None





    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise ValidationError("node", f"unknown node {node_id!r}", [n.id for n in self.nodes])
