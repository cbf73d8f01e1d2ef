"""The word data of ``lexicon.json`` (the one place words live) and the lookups on it: which
object labels a noun can name (by label word, synonym, kind or compound head), colour words,
op verbs."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..palette import COLOR_NAMES

__all__ = ["LEXICON_PATH", "Lexicon", "lexicon"]

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.json"


def _fold(word: str) -> str:
    """Lower case, one crude singular for label words ("glasses" stays unmatched only when
    neither form is listed)."""
    w = word.lower()
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def _op_verbs(pseudo: dict) -> dict[str, tuple[str, ...]]:
    """Each edit op's verbs, as its ``@op`` declaration gives them (one place), then the
    file's pseudo-ops ("make")."""
    from ..ops import OP_REGISTRY

    verbs = {spec.name: spec.lexicon.verbs for spec in OP_REGISTRY if spec.lexicon.verbs}
    verbs.update({k: tuple(v) for k, v in pseudo.items() if not k.startswith("_")})
    return verbs


@dataclass(frozen=True)
class Lexicon:
    kinds: dict[str, frozenset[str]]
    synonyms: dict[str, frozenset[str]]
    parts: frozenset[str]
    generic: frozenset[str]
    furniture: frozenset[str]
    colour_aliases: dict[str, str]
    op_verbs: dict[str, tuple[str, ...]]
    new_object_preps: frozenset[str]
    exclusion: frozenset[str]
    partitives: frozenset[str]
    attributes: frozenset[str]
    compounds: frozenset[str] = frozenset()   # multi-word names ("remote control")
    positions: dict[str, tuple[str, str]] = field(default_factory=dict)   # "left": (x, min)
    ordinals: dict[str, int] = field(default_factory=dict)                # "second": 1
    relation_preps: dict[str, tuple[str, ...]] = field(default_factory=dict)   # "under": (under,)
    placement_preps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "to": on / in
    negation: frozenset[str] = frozenset()         # "not", "no", "neither", "n't"
    scope_breaks: frozenset[str] = frozenset()     # "and", "but", "that": a negation ends there
    adjective_nouns: dict[str, str] = field(default_factory=dict)   # "wooden": "wood"
    materials: frozenset[str] = frozenset()        # "iron", "wool": a restyle's result
    result_preps: tuple[str, ...] = ()             # "to", "into": "change X to Y"
    attribute_ops: dict[str, str] = field(default_factory=dict)   # "size": "resize"
    absent_words: frozenset[str] = frozenset()     # attribute values saying "has none"
    present_words: frozenset[str] = frozenset()    # attribute values saying "has one"

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> "Lexicon":
        data = json.loads(path.read_text())
        syn: dict[str, set[str]] = {}
        for word, others in data["synonyms"].items():
            for other in others:   # both directions: "cup" names a mug and "mug" a cup
                syn.setdefault(word, set()).add(other)
                syn.setdefault(other, set()).add(word)
        return cls(
            kinds={k: frozenset(v) for k, v in data["kinds"].items()},
            synonyms={k: frozenset(v) for k, v in syn.items()},
            parts=frozenset(data["parts"]), generic=frozenset(data["generic"]),
            furniture=frozenset(data["furniture"]),
            colour_aliases=dict(data["colour_aliases"]),
            op_verbs=_op_verbs(data["op_verbs"]),
            new_object_preps=frozenset(data["new_object_preps"]),
            exclusion=frozenset(data["exclusion"]), partitives=frozenset(data["partitives"]),
            attributes=frozenset(data["attributes"]),
            compounds=frozenset(w for w in [*data["kinds"], *syn, *(m for v in syn.values()
                                                                     for m in v),
                                             *(m for v in data["kinds"].values() for m in v)]
                                if " " in w),
            positions={k: (v[0], v[1]) for k, v in data["positions"].items()},
            ordinals=dict(data["ordinals"]),
            relation_preps={k: tuple(v) for k, v in data["relation_preps"].items()},
            placement_preps={k: tuple(v) for k, v in data["placement_preps"].items()},
            negation=frozenset(data["negation"]), scope_breaks=frozenset(data["scope_breaks"]),
            adjective_nouns=dict(data["adjective_nouns"]),
            materials=frozenset(data["materials"]), result_preps=tuple(data["result_preps"]),
            attribute_ops=dict(data["attribute_ops"]),
            absent_words=frozenset(data["attribute_words"]["absent"]),
            present_words=frozenset(data["attribute_words"]["present"]))

    # -- words -----------------------------------------------------------------------------
    def colour(self, word: str) -> str | None:
        """The palette colour a word names ("grey" -> "gray"), or None."""
        w = self.colour_aliases.get(word.lower(), word.lower())
        return w if w in COLOR_NAMES else None

    def ops_of(self, verb: str, particle: str | None = None) -> tuple[str, ...]:
        """Ops a verb lemma (with its particle or preposition: "get rid", "turn into") can
        mean; "make" / "turn" / "change" map to the pseudo-op ``make`` (the result says which
        op: a colour, a size, a material)."""
        keys = [f"{verb} {particle}"] if particle else []
        keys.append(verb)
        for key in keys:
            found = tuple(op for op, verbs in self.op_verbs.items() if key in verbs)
            if found:
                return found
        return ()

    # -- labels ----------------------------------------------------------------------------
    def names(self, name: str, head: str, label: str) -> bool:
        """Can a noun phrase whose compound name is ``name`` and head lemma ``head`` name an
        object labelled ``label``? By the whole label, the label's last word (its head: "pencil
        sharpener" is no pencil), a synonym, or a kind the label belongs to. Generic words
        ("the thing") name anything; parts ("the edge") nothing by themselves."""
        head, name = head.lower(), name.lower()
        words = [_fold(w) for w in label.lower().split()]
        if not words:
            return False
        if head in self.generic:
            return True
        lab = " ".join(words)
        wanted = {_fold(head), _fold(name)} | {_fold(s) for s in self.synonyms.get(head, ())} \
            | {_fold(s) for s in self.synonyms.get(name, ())}
        if lab in wanted or words[-1] in wanted:
            return True
        kind = self.kinds.get(name) or self.kinds.get(head)
        if kind and (lab in {_fold(m) for m in kind} or words[-1] in {_fold(m) for m in kind}):
            return True
        # "the flower" names a sunflower: a compound label word ending in the head
        return len(head) >= 4 and any(w != head and w.endswith(_fold(head)) for w in words)

    def labels_named(self, name: str, head: str, labels: Iterable[str]) -> list[str]:
        return [lb for lb in dict.fromkeys(labels) if self.names(name, head, lb)]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon.load()
