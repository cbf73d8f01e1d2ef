"""What an instruction needs that a scene graph lacks: the input of the refinement loop.

Two sources, in order of preference:

1. the planner's "needs more perception" names (``PlanResult.missing``), when given;
2. otherwise the object phrases of the instruction itself ("remove the red mug" -> "red mug"),
   found by a small rule-based chunker: a known object word (a name or synonym of the
   ``Lexicon`` in use: the detector's domain) anywhere, or any noun after a determiner/quantifier ("the", "a", "both", "two",
   ...). Objects the edit would *create* are not needs ("replace the mug with a lamp": the
   lamp; "add a cat"; "turn it into a star").

A phrase is satisfied when the graph holds enough nodes whose label names the same thing (same
word after singularising, or synonyms of one lexicon entry) and, when the phrase names a
colour, whose ``color`` attribute agrees. "two apples" needs two apple nodes.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..palette import COLOR_NAMES
from ..scene.lexicon import Lexicon
from ..scene.model import SceneGraph, SceneObject
from .vocabulary import GENERIC_LEXICON, singular

_DETERMINERS = frozenset(
    "the a an this that these those my your his her its our their some any all every each "
    "both another other".split())
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "both": 2,
            "pair": 2}
_COLOR_WORDS = {**{c: c for c in COLOR_NAMES}, "grey": "gray"}
# Adjectives that qualify an object without being part of its name.
_MODIFIERS = frozenset(
    "big bigger biggest large larger largest small smaller smallest little tiny huge tall "
    "short round left right top bottom middle leftmost rightmost topmost upper lower "
    "first second third last other whole new old same".split())
# Words that end a noun phrase (prepositions, verbs, conjunctions, pronouns, punctuation is
# handled by the tokenizer).
_STOP = frozenset(
    "of on in at to into onto from with without by for near next beside behind under over "
    "above below between and or but so then than as is are be it them that which who what "
    "where there here can could should would will please make turn change replace remove "
    "delete erase add put place move swap recolor recolour paint color colour resize "
    "enlarge shrink get rid do does you i we me us".split())
# Nouns that are not objects a detector could find ("the left side", "the thing you ...").
_NOT_OBJECTS = frozenset(
    "thing things object objects one ones side sides left right top bottom middle center "
    "centre corner edge background foreground image picture photo scene color colour size "
    "shape way part parts rest sound light lighting style way front back".split())
# After these words the phrase names something the edit creates, not something to find.
_CREATES_AFTER = {"add", "insert", "draw", "create", "into", "as"}
# Predicate adjectives that follow a noun ("make the TV louder"), not part of its name.
_PREDICATIVE = frozenset(
    "louder quieter brighter darker lighter warmer cooler cleaner nicer better worse visible "
    "invisible gone disappear bigger smaller larger taller shorter wider narrower".split())
_MAX_NOUN_WORDS = 2


def normalize_name(phrase: str) -> str:
    """Lower case, single spaces, last word singular: "Coffee Mugs" -> "coffee mug"."""
    words = re.findall(r"[a-z0-9]+", phrase.lower())
    if not words:
        return ""
    return " ".join(words[:-1] + [singular(words[-1])])


def canonical_name(name: str, lexicon: Lexicon = GENERIC_LEXICON) -> str:
    """The lexicon entry a name or synonym refers to, else the normalised name itself: with
    the synthetic domain's, "coffee cups" -> "mug", "toaster" -> "toaster"."""
    key = normalize_name(name)
    if key in lexicon:
        return lexicon.get(key, key)
    if not lexicon.fold_heads:
        return key
    head = key.rsplit(" ", 1)[-1]
    return lexicon.get(head, key)  # "ceramic mug" -> "mug"


@dataclass(frozen=True)
class Need:
    """Something to look for: ``phrase`` is the detector prompt ("red mug"), ``noun`` the
    label a node for it gets ("mug"), ``color`` the colour it must have (or None), ``count``
    how many instances the instruction implies, ``source`` "planner" or "instruction"."""

    phrase: str
    noun: str
    color: str | None = None
    count: int = 1
    source: str = "instruction"
    lexicon: Lexicon = field(default=GENERIC_LEXICON, compare=False, repr=False)

    def canonical(self, name: str) -> str:
        """``canonical_name`` in this need's lexicon."""
        return canonical_name(name, self.lexicon)

    def matches(self, obj: SceneObject) -> bool:
        """Whether ``obj`` is an instance of this need."""
        label, noun = self.canonical(obj.label), self.canonical(self.noun)
        # A "coffee table" node is a table: the label's head noun may answer the need.
        if label != noun and label.rsplit(" ", 1)[-1] != noun:
            return False
        return self.color is None or obj.color is None or obj.color == self.color


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:'s)?|[.,;:!?]", text.lower())


def _known_at(tokens: Sequence[str], i: int, lexicon: Lexicon) -> int:
    """Length (in tokens) of the longest known object name starting at ``i`` (0: none)."""
    for n in (3, 2, 1):
        words = [t.removesuffix("'s") for t in tokens[i:i + n]]
        if len(words) == n and all(w.isalpha() for w in words) \
                and normalize_name(" ".join(words)) in lexicon:
            return n
    return 0


def instruction_needs(instruction: str, lexicon: Lexicon = GENERIC_LEXICON) -> list[Need]:
    """The object phrases the instruction refers to (not those it would create), in order of
    first mention, one Need per distinct (noun, colour)."""
    tokens = _tokens(instruction)
    found: dict[tuple[str, str | None], Need] = {}
    i = 0
    while i < len(tokens):
        start = i
        count, colors, determined = 1, [], False
        while i < len(tokens) and (tokens[i] in _DETERMINERS or tokens[i] in _NUMBERS
                                   or tokens[i] in _COLOR_WORDS or tokens[i] in _MODIFIERS):
            t = tokens[i]
            determined |= t in _DETERMINERS or t in _NUMBERS
            count = _NUMBERS.get(t, count)
            if t in _COLOR_WORDS:
                colors.append(_COLOR_WORDS[t])
            i += 1
        n = _known_at(tokens, i, lexicon)
        if n == 0 and colors and i > start and tokens[i - 1] in lexicon:
            i, n = i - 1, 1  # "the orange": the colour word is the object
            colors.pop()
        if n == 0 and determined:
            # An unknown noun after a determiner: take up to two words until a stop word.
            while n < _MAX_NOUN_WORDS and i + n < len(tokens) \
                    and tokens[i + n].removesuffix("'s").isalpha() \
                    and tokens[i + n] not in _STOP and tokens[i + n] not in _MODIFIERS \
                    and tokens[i + n] not in _COLOR_WORDS and tokens[i + n] not in _PREDICATIVE:
                n += 1
                if tokens[i + n - 1].endswith("'s"):
                    break
        if n == 0:
            i = max(i, start + 1)
            continue
        words = [t.removesuffix("'s") for t in tokens[i:i + n]]
        noun = normalize_name(" ".join(words))
        before = tokens[start - 1] if start > 0 else ""
        created = before in _CREATES_AFTER or (before == "with" and "replace" in tokens[:start])
        i += n
        if words and tokens[i - 1].endswith("'s") and i < len(tokens):
            tokens[i - 1] = "the"  # "the TV's speaker": the possessive determines the next noun
            i -= 1
        if created or noun.split(" ")[-1] in _NOT_OBJECTS or noun in _NOT_OBJECTS:
            continue
        if count == 1 and words[-1] != singular(words[-1]) and not determined:
            count = 2  # a bare plural ("remove apples") means at least two
        color = colors[-1] if colors else None
        phrase = " ".join(([color] if color else []) + [noun])
        key = (noun, color)
        if key not in found:
            found[key] = Need(phrase=phrase, noun=noun, color=color, count=count,
                              lexicon=lexicon)
    return list(found.values())


def parse_phrase(name: str, lexicon: Lexicon = GENERIC_LEXICON) -> tuple[str, str | None, int]:
    """(noun, colour or None, count) of a short object phrase: "two red cups" ->
    ("cup", "red", 2); the noun is "" when only colour or number words are given."""
    words = re.findall(r"[a-z]+", str(name).lower())
    color = next((_COLOR_WORDS[w] for w in words if w in _COLOR_WORDS), None)
    rest = [w for w in words if w not in _COLOR_WORDS and w not in _DETERMINERS
            and w not in _NUMBERS]
    if not rest and color in lexicon:  # "orange": the fruit, not the colour
        rest, color = [color], None
    count = next((_NUMBERS[w] for w in words if w in _NUMBERS), 1)
    return normalize_name(" ".join(rest)), color, count


def planner_needs(names: Iterable[str], lexicon: Lexicon = GENERIC_LEXICON) -> list[Need]:
    """Needs from the planner's "missing" names ("red cup", "speakers")."""
    out: dict[tuple[str, str | None], Need] = {}
    for name in names:
        noun, color, count = parse_phrase(name, lexicon)
        if not noun:
            continue
        phrase = " ".join(([color] if color else []) + [noun])
        out.setdefault((noun, color), Need(phrase, noun, color, count, source="planner",
                                           lexicon=lexicon))
    return list(out.values())


def unmet(needs: Iterable[Need], graph: SceneGraph) -> list[Need]:
    """The needs ``graph`` does not satisfy (too few matching nodes)."""
    return [n for n in needs if sum(n.matches(o) for o in graph.objects) < n.count]


def anchors(needs: Iterable[Need], graph: SceneGraph) -> list[SceneObject]:
    """Nodes that satisfy some need: the objects the instruction locates things by, around
    which the loop crops for small or faint targets."""
    needs = list(needs)
    return [o for o in graph.objects if any(n.matches(o) for n in needs)]


def missing_needs(graph: SceneGraph, instruction: str,
                  planner_missing: Sequence[str] | None = None,
                  lexicon: Lexicon = GENERIC_LEXICON) -> list[Need]:
    """What ``instruction`` needs that ``graph`` lacks: the planner's names if given (and not
    empty), else the instruction's own object phrases, minus what the graph already has."""
    wanted = planner_needs(planner_missing, lexicon) if planner_missing else \
        instruction_needs(instruction, lexicon)
    return unmet(wanted, graph)


__all__ = ["Need", "anchors", "canonical_name", "instruction_needs", "missing_needs",
           "normalize_name", "parse_phrase", "planner_needs", "singular", "unmet"]
