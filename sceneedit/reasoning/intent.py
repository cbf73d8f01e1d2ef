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


def clause_ops(clause: str) -> set[str]:
    """The ops a clause's wording asks for. An op's lexicon may cancel others ("replace X with a
    red Y" names a colour but is no recolour) or itself (``unless``: "move it to the left half"
    is no resize)."""
    ops = {op for op, pats in _OP_PATTERNS.items() if any(re.search(p, clause) for p in pats)}
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
