"""The workflow document: a JSON DAG of brick calls (``sceneedit.workflow/1``).

A node's input is a literal JSON value or a reference ``{"ref": "SOURCE.PORT"}`` where SOURCE is
``input`` (the run's inputs, e.g. ``input.image``) or the id of an earlier node. ``outputs`` maps
names to references; ``image`` is the result and ``footprint`` the mask of pixels the edits may
change (the executor restores every pixel outside it from ``input.image``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticError

from ..errors import InvalidInputError, ValidationError

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


class Workflow(BaseModel):
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

    @classmethod
    def from_json(cls, text: str) -> "Workflow":
        try:
            return cls.from_dict(json.loads(text))
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"workflow is not valid JSON: {exc}") from None

    @classmethod
    def load(cls, path: str | Path) -> "Workflow":
        from ..io import read_text

        return cls.from_json(read_text(path, "workflow"))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise ValidationError("node", f"unknown node {node_id!r}", [n.id for n in self.nodes])
