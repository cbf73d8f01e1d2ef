"""The brick registry: every brick is declared once, as a ``BrickSpec``.

That one declaration drives the workflow validator (port names and types), the executor
(runtime type checks, device needs, cache keys), the tool documentation an LLM reads
(``tool_docs``) and the JSON schema of workflows (``workflow_schema``). Adding a brick is
one decorated function; nothing else needs editing.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

import numpy as np

from ..errors import ValidationError
from ..palette import COLOR_NAMES
from ..scene.model import PREDICATES, SceneGraph


class PortType(str, Enum):
    """The types that flow between bricks. ``literal`` types may be written in workflow JSON;
    the others only arrive by reference (a run input or another node's output)."""

    IMAGE = "Image"          # HxWx3 uint8 RGB array
    MASK = "Mask"            # HxW bool array
    BOX = "Box"              # [x0, y0, x1, y1]
    TEXT = "Text"
    NUMBER = "Number"
    COLOR = "Color"          # a palette colour name
    RELATION = "Relation"    # a predicate of the scene-graph vocabulary
    OBJECT_ID = "ObjectId"   # an id in the run's scene graph
    GRAPH = "Graph"          # a SceneGraph

    @property
    def literal(self) -> bool:
        return self not in (PortType.IMAGE, PortType.MASK, PortType.GRAPH)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
        and math.isfinite(v)


def check_value(ptype: PortType, value: Any) -> str | None:
    """Why ``value`` is not a valid ``ptype``, or None when it is."""
    if ptype is PortType.IMAGE:
        ok = isinstance(value, np.ndarray) and value.ndim == 3 and value.shape[2] == 3 \
            and value.dtype == np.uint8
        return None if ok else "expected an HxWx3 uint8 image"
    if ptype is PortType.MASK:
        ok = isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype == bool
        return None if ok else "expected an HxW bool mask"
    if ptype is PortType.BOX:
        ok = isinstance(value, (list, tuple)) and len(value) == 4 and all(map(_is_number, value)) \
            and value[0] < value[2] and value[1] < value[3]
        return None if ok else f"expected a box [x0, y0, x1, y1] with x0 < x1, y0 < y1, got {value!r}"
    if ptype is PortType.NUMBER:
        if _is_number(value):
            return None
        infinite = isinstance(value, (float, np.floating)) and not math.isfinite(value)
        return f"expected a number, got {value!r}" + (" (not finite)" if infinite else "")
    if ptype is PortType.GRAPH:
        return None if isinstance(value, SceneGraph) else "expected a SceneGraph"
    if not isinstance(value, str) or not value:
        return f"expected a non-empty string, got {value!r}"
    if ptype is PortType.COLOR and value not in COLOR_NAMES:
        return f"unknown colour {value!r}; valid: {', '.join(COLOR_NAMES)}"
    if ptype is PortType.RELATION and value not in PREDICATES:
        return f"unknown relation {value!r}; valid: {', '.join(PREDICATES)}"
    return None


def literal_schema(ptype: PortType, choices: tuple[str, ...] | None = None,
                   bounds: dict[str, float] | None = None) -> dict[str, Any]:
    if choices:
        return {"enum": list(choices)}
    if ptype is PortType.NUMBER and bounds:
        return {"type": "number", **bounds}
    return {
        PortType.BOX: {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        PortType.TEXT: {"type": "string", "minLength": 1},
        PortType.NUMBER: {"type": "number"},
        PortType.COLOR: {"enum": list(COLOR_NAMES)},
        PortType.RELATION: {"enum": list(PREDICATES)},
        PortType.OBJECT_ID: {"type": "string", "minLength": 1},
    }.get(ptype, {})


REF_SCHEMA = {"type": "object", "properties": {"ref": {"type": "string",
              "pattern": r"^[A-Za-z_][\w-]*\.[A-Za-z_]\w*$"}},
              "required": ["ref"], "additionalProperties": False}

_REQUIRED = object()


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    description: str = ""
    default: Any = _REQUIRED
    choices: tuple[str, ...] | None = None  # a closed set of literal values
    # Bounds of a Number port, checked for every value however it arrives (a literal in any
    # workflow, a carried one included, or another brick's output): a brick's cost must not be
    # set by whoever wrote the workflow (mask_dilate radius 3000 took 88 s).
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False        # minimum itself is not allowed

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def bounds(self) -> dict[str, float]:
        """The bounds as JSON-schema keywords."""
        out: dict[str, float] = {}
        if self.minimum is not None:
            out["exclusiveMinimum" if self.exclusive_minimum else "minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out

    def out_of_bounds(self, value: Any) -> str | None:
        """Why a number is outside this port's bounds, or None."""
        lo, hi = self.minimum, self.maximum
        if lo is not None and (value <= lo if self.exclusive_minimum else value < lo):
            return f"{value!r} is {'not above' if self.exclusive_minimum else 'below'} the " \
                   f"minimum {lo!r} of this port"
        if hi is not None and value > hi:
            return f"{value!r} is above the maximum {hi!r} of this port"
        return None

    def check(self, value: Any) -> str | None:
        problem = check_value(self.type, value)
        if problem is None and self.choices is not None and value not in self.choices:
            problem = f"{value!r} is not one of {', '.join(map(str, self.choices))}"
        if problem is None and self.type is PortType.NUMBER:
            problem = self.out_of_bounds(value)
        return problem

    def doc(self) -> str:
        text = f"{self.name}: {self.type.value}"
        if self.choices:
            text += f" ({'|'.join(self.choices)})"
        if self.bounds:
            lo = "-inf" if self.minimum is None else repr(self.minimum)
            hi = "inf" if self.maximum is None else repr(self.maximum)
            text += f" {'(' if self.exclusive_minimum else '['}{lo}, {hi}]"
        if not self.required:
            text += f" = {self.default!r}"
        return text


def seed_port(default: int = 0) -> Port:
    """A random seed, non-negative and 32 bits (numpy and torch generators both take it)."""
    return Port("seed", PortType.NUMBER, default=default, minimum=0, maximum=2 ** 32 - 1)


@dataclass(frozen=True)
class BrickSpec:
    name: str
    description: str
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    fn: Callable[..., Any] = field(repr=False, compare=False)
    changes_pixels: bool = False          # an "edit" brick (vs a "predict" brick)
    device: Literal["cpu", "cuda", "any"] = "cpu"
    requires: tuple[str, ...] = ()        # Python packages it needs beyond the core
    version: str = "1"                    # bump when behaviour changes: part of cache keys

    def input(self, name: str) -> Port:
        for p in self.inputs:
            if p.name == name:
                return p
        raise ValidationError(f"inputs.{name}",
                              f"brick {self.name!r} has no input {name!r}",
                              [p.name for p in self.inputs])

    def output(self, name: str) -> Port | None:
        return next((p for p in self.outputs if p.name == name), None)

    def call(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Run the implementation, filling defaults; always returns {output name: value}.
        Bounded numbers are checked here too: a reference can carry any number."""
        args = {p.name: kwargs.get(p.name, p.default) for p in self.inputs}
        for p in self.inputs:
            if p.bounds:
                problem = p.check(args[p.name])
                if problem:
                    raise ValidationError(f"input {p.name!r}", problem)
        result = self.fn(**args)
        if len(self.outputs) == 1 and not isinstance(result, dict):
            result = {self.outputs[0].name: result}
        if not isinstance(result, dict) or set(result) != {p.name for p in self.outputs}:
            raise TypeError(f"brick {self.name!r} returned {type(result).__name__} "
                            f"instead of outputs {[p.name for p in self.outputs]}")
        return result

    def tool_doc(self) -> str:
        """One entry of the tool documentation an LLM reads."""
        ins = ", ".join(p.doc() for p in self.inputs)
        outs = ", ".join(f"{p.name}: {p.type.value}" for p in self.outputs)
        tags = ["edits pixels" if self.changes_pixels else "no pixel change", self.device]
        lines = [f"{self.name}({ins}) -> {outs}   [{', '.join(tags)}]", f"    {self.description}"]
        lines += [f"    {p.name}: {p.description}" for p in self.inputs if p.description]
        return "\n".join(lines)

    def node_schema(self) -> dict[str, Any]:
        """JSON schema of one workflow node calling this brick."""
        props = {}
        for p in self.inputs:
            lit = literal_schema(p.type, p.choices, p.bounds)
            # a copy: the description below must not be written into the shared REF_SCHEMA
            props[p.name] = {"anyOf": [lit, REF_SCHEMA]} if p.type.literal else dict(REF_SCHEMA)
            if p.description:
                props[p.name]["description"] = p.description
        return {
            "type": "object",
            "description": self.description,
            "properties": {
                "id": {"type": "string", "pattern": r"^[A-Za-z_][\w-]*$"},
                "brick": {"const": self.name},
                "inputs": {"type": "object", "properties": props,
                           "required": [p.name for p in self.inputs if p.required],
                           "additionalProperties": False},
                "note": {"type": "string"},
            },
            "required": ["id", "brick", "inputs"],
        }


class BrickRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, BrickSpec] = {}

    def register(self, spec: BrickSpec) -> BrickSpec:
        if spec.name in self._specs:
            raise ValueError(f"brick {spec.name!r} is already registered")
        params = list(inspect.signature(spec.fn).parameters)
        if params != [p.name for p in spec.inputs]:
            raise TypeError(f"brick {spec.name!r}: function parameters {params} do not match "
                            f"the declared inputs {[p.name for p in spec.inputs]}")
        self._specs[spec.name] = spec
        return spec

    def get(self, name: str, field: str = "brick") -> BrickSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ValidationError(field, f"unknown brick {name!r}", self._specs) from None

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[BrickSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: s.name))

    def __len__(self) -> int:
        return len(self._specs)

    def tool_docs(self, include: Callable[[BrickSpec], bool] | None = None) -> str:
        """The tool documentation an LLM reads, generated from the declarations."""
        return "\n\n".join(s.tool_doc() for s in self if include is None or include(s))

    def workflow_schema(self) -> dict[str, Any]:
        """JSON schema of a workflow document over the registered bricks."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "sceneedit.workflow/1",
            "type": "object",
            "properties": {
                "format": {"const": "sceneedit.workflow/1"},
                "inputs": {"type": "object", "additionalProperties": {
                    "enum": [t.value for t in PortType]}},
                "nodes": {"type": "array", "items": {"oneOf": [s.node_schema() for s in self]}},
                "outputs": {"type": "object", "additionalProperties": REF_SCHEMA,
                            "required": ["image"]},
            },
            "required": ["format", "inputs", "nodes", "outputs"],
        }


REGISTRY = BrickRegistry()


def brick(name: str, description: str, inputs: list[Port], outputs: list[Port], *,
          changes_pixels: bool = False, device: Literal["cpu", "cuda", "any"] = "cpu",
          requires: tuple[str, ...] = (), version: str = "1",
          registry: BrickRegistry | None = None) -> Callable[[Callable], Callable]:
    """Declare a brick: ``@brick("mask_dilate", "...", inputs=[...], outputs=[...])``."""

    def decorate(fn: Callable) -> Callable:
        spec = BrickSpec(name=name, description=description, inputs=tuple(inputs),
                         outputs=tuple(outputs), fn=fn, changes_pixels=changes_pixels,
                         device=device, requires=requires, version=version)
        (registry if registry is not None else REGISTRY).register(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return decorate
