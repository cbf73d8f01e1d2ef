"""The op registry: every edit op is declared once, with ``@op`` on its pydantic model.

That one declaration carries everything the rest of sceneedit needs to know about an op: the
model (fields, validation, the JSON schema the planner decodes with and the docs it reads), its
compiler (edit -> brick calls + the masks it touches, i.e. its footprint), its verification
(what must hold after rendering), its expected-graph effect (for eval) and its lexicon (the
wording that asks for it, read by the reasoning parse). ``plan.py``'s union, the compiler's
dispatch, ``verify_edit``, ``eval/expected.py``, the planner's prompt and schema, and the verb
lists of the reasoning modules are all derived from here, the way ``@brick`` drives bricks.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_serializer

from ..errors import ValidationError

if TYPE_CHECKING:
    from .builder import Builder
    from .checks import Check, Verdict
    from .expect import Expectations


class EditBase(BaseModel):
    """The base of every edit model."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    # Names of the fields that hold object ids (checked against the graph; object-id enums in
    # the decoding grammar).
    id_fields: ClassVar[tuple[str, ...]] = ()
    # Free-text fields (by alias): a bounded string in the grammar, or the words the
    # instruction spells out for that field.
    text_fields: ClassVar[tuple[str, ...]] = ()
    # Fields of which exactly one is given (replace: "with" or "source"): one grammar shape each.
    exclusive: ClassVar[tuple[str, ...]] = ()
    # Labels the target must have (retext: "text"); empty: any object. The planner limits the
    # grammar's targets to such objects when the wording asks for this op only.
    target_labels: ClassVar[tuple[str, ...]] = ()

    @model_serializer(mode="wrap")
    def _serialize(self, handler):
        return {k: v for k, v in handler(self).items() if v is not None}

    def object_ids(self) -> dict[str, str]:
        return {f: getattr(self, f) for f in self.id_fields if getattr(self, f) is not None}

    def check_meaningful(self, graph: Any, where: str) -> None:
        """Raise ``ValidationError`` for an edit that parses but cannot mean what was asked
        (checked by ``Plan.validate_against``)."""


@dataclass(frozen=True)
class Lexicon:
    """The wording that asks for an op, as data the reasoning parse reads
    (``reasoning/intent.py``, ``described.py``, ``constraints.py``)."""

    patterns: tuple[str, ...] = ()       # regexes on a lower-cased clause asking for the op
    # verb lemmas that can mean the op, for the language parse (``sceneedit.language``); with
    # their particle or preposition where it matters: "get rid", "take away", "turn into"
    verbs: tuple[str, ...] = ()
    clause_verbs: tuple[str, ...] = ()   # verbs that start a new clause ("..., and paint ...")
    lead_verbs: tuple[str, ...] = ()     # verbs stripped before a description ("remove the ...")
    feedback_words: tuple[str, ...] = ()  # other names in feedback ("don't recolour")
    overrides: tuple[str, ...] = ()      # ops this one cancels in the same clause
    unless: str | None = None            # a clause matching this does not ask for the op
    # Words for what the op acts on that need not be an object's label ("the sign" of a text):
    # like "background", they never make an instruction impossible.
    generic_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Batching:
    """Consecutive edits with equal ``key`` (not None) share one generative pass over the union
    of their masks: ``generate(builder, edits, seeds, union)`` returns that pass's node id."""

    key: Callable[[Builder, Any], tuple | None]
    generate: Callable[[Builder, list, list[int], Any], str]


@dataclass(frozen=True)
class OpSpec:
    name: str
    model: type[EditBase]
    compile: Callable[[Builder, Any, int], list]      # -> masks touched (refs): the footprint
    verify: Callable[[Any, Check], Verdict]
    expect: Callable[[Expectations, dict, int], None]  # expected-graph effect of a gold edit
    lexicon: Lexicon = field(default_factory=Lexicon)
    order: int = 100             # position in the op list (prompt docs, schema, OPS)
    copyable: bool = False       # a copy on another object of the same kind means the same
    batching: Batching | None = None
    # The footprint is the masks the compiler returns grown by this many pixels; an op whose
    # returned region is its footprint already (background: all but the objects) declares 0.
    footprint_margin: int | None = None   # None: the compiler's FOOTPRINT_MARGIN
    # Valid edits of this op, one per shape (docs and the round-trip test read them).
    examples: tuple[dict, ...] = ()

    @property
    def doc(self) -> str:
        return " ".join((self.model.__doc__ or "").split())


class OpRegistry:
    def __init__(self) -> None:
        self._specs: dict[str, OpSpec] = {}
        self._by_model: dict[type, OpSpec] = {}

    def register(self, spec: OpSpec) -> OpSpec:
        if spec.name in self._specs:
            raise ValueError(f"op {spec.name!r} is already registered")
        declared = spec.model.model_fields.get("op")
        if declared is None or declared.default != spec.name:
            raise TypeError(f"op {spec.name!r}: its model must declare "
                            f"op: Literal[{spec.name!r}] = {spec.name!r}")
        self._specs[spec.name] = spec
        self._by_model[spec.model] = spec
        return spec

    def get(self, name: str, field: str = "op") -> OpSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ValidationError(field, f"unknown op {name!r}", self.names) from None

    def of(self, edit: EditBase) -> OpSpec:
        return self._by_model[type(edit)]

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __iter__(self) -> Iterator[OpSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.order, s.name)))

    def __len__(self) -> int:
        return len(self._specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self)

    @property
    def models(self) -> tuple[type[EditBase], ...]:
        return tuple(s.model for s in self)


OP_REGISTRY = OpRegistry()


def op(name: str, *, compile: Callable, verify: Callable, expect: Callable,
       lexicon: Lexicon | None = None, order: int = 100, copyable: bool = False,
       batching: Batching | None = None, footprint_margin: int | None = None,
       examples: tuple[dict, ...] = (), registry: OpRegistry | None = None
       ) -> Callable[[type[EditBase]], type[EditBase]]:
    """Declare an op on its model: ``@op("remove", compile=..., verify=..., expect=...)``."""

    def decorate(model: type[EditBase]) -> type[EditBase]:
        spec = OpSpec(name=name, model=model, compile=compile, verify=verify, expect=expect,
                      lexicon=lexicon or Lexicon(), order=order, copyable=copyable,
                      batching=batching, footprint_margin=footprint_margin,
                      examples=examples)
        (registry if registry is not None else OP_REGISTRY).register(spec)
        return model

    return decorate
