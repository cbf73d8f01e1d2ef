"""What an instruction's wording fixes before any model reads it: its clauses, and which edit
ops their verbs ask for (each op's verbs are declared once, with ``@op`` in ``sceneedit.ops``).

Measured on the reasoning benchmark: the 1.5B model picks the wrong op in half of its mistakes
(``replace`` for "put the teddy bear on the toy box", ``restyle`` for "make it red"). The ops
are decided by the words, so they are decided here; which objects are meant is ranked from
evidence (``ranking.py``). When the wording is unclear nothing is restricted and the model
decides.
"""
from __future__ import annotations

import re

from ..language import lexicon
from ..ops import OP_REGISTRY

# Verb patterns per op, tried on each clause, and the verbs that start a clause: each op's
# lexicon (``@op(lexicon=...)`` in ``sceneedit.ops``). "put/place" is add for a new ("a") thing
# and move for an existing ("the") one.
_OP_PATTERNS: dict[str, tuple[str, ...]] = {
    s.name: s.lexicon.patterns for s in OP_REGISTRY if s.lexicon.patterns}
_CLAUSE_VERBS = "|".join(dict.fromkeys(v for s in OP_REGISTRY for v in s.lexicon.clause_verbs))
# Clause breaks: sentence punctuation, "then", and "and" / a comma before an op verb.
_CLAUSE_SPLIT = re.compile(rf"\s*(?:[.;!?]|,?\s+and then\s+|,?\s+then\s+|,\s+and\s+|"
                           rf"\s+and\s+(?=(?:{_CLAUSE_VERBS})\b)|,\s+(?=(?:{_CLAUSE_VERBS})\b))"
                           rf"\s*")


def clauses(text: str) -> list[str]:
    """The instruction's clauses, lower-cased. A line break ends one, as in the parse
    (``language.parse.parse_lines``): multi-line instructions list one edit a line, mostly
    unpunctuated (ComplexBench-Edit), and read as one clause they were planned as one edit."""
    return [c for line in text.strip().lower().splitlines()
            for c in _CLAUSE_SPLIT.split(line.strip()) if c and c.strip()]


def make_result(clause: str) -> tuple[str, str | None] | None:
    """The op a "make" verb's result asks for, and the result's words ("change the laptop to
    silver tablet" -> replace, "silver tablet"): a colour is a recolour, a material a restyle,
    any other words a new object; an attribute named first decides ("change the size of the
    cup to double": resize). None when the clause has no make verb with a result after "to" /
    "into"."""
    lex = lexicon()
    words = clause.split()
    if words[:1] == ["please"]:
        words = words[1:]
    if not words or words[0] not in lex.op_verbs.get("make", ()):
        return None
    # "to" that starts a place ("make the apple to the right of the lemon gray") is no result
    places = [p.split() for p in lex.relation_preps if len(p.split()) > 1]
    at = max((i for i, w in enumerate(words) if w in lex.result_preps
              and not any(words[i:i + len(p)] == p for p in places)), default=None)
    if at is None or at < 2 or at == len(words) - 1:
        return None
    text = " ".join(w for w in words[at + 1:] if w not in ("a", "an", "the", "some"))
    attribute = next((lex.attribute_ops[w] for w in words[1:3] if w in lex.attribute_ops), None)
    if attribute is not None:
        return attribute, text
    result = [lex.adjective_nouns.get(w, w) for w in text.split()]
    if not result or all(w in lex.positions for w in result):
        return None   # "turn the lamp to the left": a place, not a result
    if all(lex.colour(w) or w in ("color", "colour", "light", "dark") for w in result):
        return "recolor", text
    if result[-1] in lex.materials or result[-1] in ("material", "texture", "style"):
        return "restyle", text
    if lex.colour(words[-1]):
        # "make the ball right next to the toy car white", "... that turns to follow the sun
        # orange": the "to" was no result; a clause ending on a colour asks for it
        return "recolor", words[-1]
    return "replace", text


def clause_ops(clause: str) -> set[str]:
    """The ops a clause's wording asks for. An op's lexicon may cancel others ("replace X with a
    red Y" names a colour but is no recolour) or itself (``unless``: "move it to the left half"
    is no resize); the result of a make verb decides alone ("change the cake to double layer
    cake" is no resize)."""
    ops = {op for op, pats in _OP_PATTERNS.items() if any(re.search(p, clause) for p in pats)}
    result = make_result(clause)
    # ... unless an op a make verb cannot mean claims the clause ("change the background to a
    # beach" is the background op's)
    if result is not None and not ops - {"recolor", "restyle", "replace",
                                         *lexicon().attribute_ops.values()}:
        return {result[0]}
    overridden = {o for op in ops for o in OP_REGISTRY.get(op).lexicon.overrides}
    return {op for op in ops - overridden
            if (unless := OP_REGISTRY.get(op).lexicon.unless) is None
            or not re.search(unless, clause)}


def hinted_ops(instruction: str, feedback: str | None = None) -> set[str] | None:
    """The ops the wording asks for, or None when it names none (then any op may be used).
    Feedback that names an action ("add it to the left of it instead") replaces the
    instruction's ops; feedback without one ("not the black one") keeps them. A clause with no
    op verb ("What device makes the TV louder?") asks for nothing by itself."""
    if feedback:
        found = set().union(*(clause_ops(c) for c in clauses(feedback)))
        if found:
            return found
    found = set().union(*(clause_ops(c) for c in clauses(instruction)))
    return found or None
