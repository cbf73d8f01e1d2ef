"""The object names a domain knows, as data: each name or synonym -> its canonical name, and
each canonical name -> its kind ("fruit", "container").

Generic perception (``perception.needs``, ``perception.graph_update``) reads object names only
through a ``Lexicon`` it is given, so it depends on no domain: the generic one is built from
the detector vocabulary (``perception.vocabulary.GENERIC_LEXICON``), the synthetic domain
declares its own from its categories (``synthetic.categories.LEXICON``), and a detector
carries the lexicon of the domain it sees (``Detector.lexicon``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per domain
class Lexicon:
    aliases: Mapping[str, str]                       # normalised name -> canonical name
    kinds: Mapping[str, str] = field(default_factory=dict)  # canonical name -> kind
    # Whether an unknown phrase is its last word's entry ("ceramic mug" -> "mug"): true for a
    # domain of distinct categories; not for a general vocabulary ("coffee table" != "table").
    fold_heads: bool = True

    def __contains__(self, name: str) -> bool:
        return name in self.aliases

    def get(self, name: str, default: str) -> str:
        return self.aliases.get(name, default)

    def kind_of(self, label: str) -> str | None:
        return self.kinds.get(label)
