"""The object phrase of a command clause and the words that describe it: which phrase the
clause acts on (through "the colour of", "the slice of", "the person's"), the words after it
up to the new thing or the colour asked for, which of them a negation covers, and the objects a
noun names by the lexicon (``language/lexicon.json``)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from ..language import Clause, Lexicon, NounPhrase, Utterance, lexicon, parse
from ..scene.model import SceneGraph, SceneObject

# A negation covers the next few words ("not wearing a white top"), up to a scope break.
NEGATION_SCOPE = 5
_WORD = re.compile(r"n't|[a-z0-9]+(?=n't)|[a-z0-9]+|,")   # a comma ends a negation's scope
RENAME_REACH = 3   # words past a cut-short phrase where its noun may still be
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those", "my", "your"})


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def fold(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def all_text(p: NounPhrase) -> str:
    return " ".join([p.text, *p.relative, *(f"{a.prep} {all_text(a.phrase)}"
                                            for a in p.attachments)])


@dataclass
class Description:
    """The words that describe a phrase (its own, its relative clauses', its attachments'), which
    of them a negation covers ("wearing a necklace and no hat": only "hat"), and which a relation
    has used up as its anchor ("next to the red cup": "red" is the cup's)."""

    words: list[str]
    negated: list[bool]
    used: set[int] = field(default_factory=set)
    head: int = 0   # index of the phrase's last own word: size words after it are results

    @classmethod
    def of(cls, lex: Lexicon, p: NounPhrase, clause: Clause | None = None) -> "Description":
        """From the phrase on to the end of its clause when the clause is given (the small
        parser often hangs "on the far right" on the verb, not the noun), less the new thing
        ("with a bowl") and the colour asked for ("... to blue"); else the phrase's own parts."""
        words = _clause_words(lex, p, clause) if clause is not None else None
        if words is None:
            parts = [p.text, *p.relative, *(f"{a.prep} {all_text(a.phrase)}"
                                            for a in p.attachments if not a.excludes)]
            words = words_of(" ".join(parts))
        # a negation inside a relative clause ends with it ("the person who is not in a
        # tent, facing away ...": the clause's comma is gone from the parse's text)
        ends = {i + len(rw) - 1 for rw in map(words_of, p.relative) if rw
                for i in range(len(words)) if words[i:i + len(rw)] == rw}
        d = cls._negations(lex, [lex.adjective_nouns.get(w, w) for w in words], ends)
        own = words_of(p.text)
        d.head = next((i + len(own) - 1 for i in range(len(words))
                       if words[i:i + len(own)] == own), len(own) - 1)
        return d

    @classmethod
    def _negations(cls, lex: Lexicon, words: list[str], ends: Iterable[int] = ()
                   ) -> "Description":
        negated, scope = [], 0
        for n, w in enumerate(words):
            # "except the blue one" / "other than" excludes what follows, as a negation does;
            # "away from the camera" negates the camera
            pair = f"{words[n - 1]} {w}" if n > 0 else None
            starts = w in lex.negation or w in lex.exclusion or pair in lex.exclusion \
                or pair in lex.negation
            if starts:
                scope = NEGATION_SCOPE
            elif w in lex.scope_breaks:
                scope = 0
            negated.append(scope > 0 and not starts)
            scope = scope if starts else max(0, scope - 1)
            if n in ends:
                scope = 0
        return cls(words, negated)

    def free(self) -> list[tuple[int, str]]:
        return [(i, w) for i, w in enumerate(self.words) if i not in self.used]

    def positions(self, folded: str) -> list[int]:
        return [i for i, w in self.free() if fold(w) == folded]

    def polarity(self, positions: Iterable[int]) -> float:
        return -1.0 if any(self.negated[i] for i in positions) else 1.0


def _clause_words(lex: Lexicon, p: NounPhrase, clause: Clause) -> list[str] | None:
    words = words_of(clause.text)
    own = words_of(p.text)
    start = next((i for i in range(len(words)) if words[i:i + len(own)] == own), None)
    if not own or start is None:
        return None
    # "the color of left backpack": a place, order or colour word the parser left before it
    while start > 0 and (words[start - 1] in lex.positions or words[start - 1] in lex.ordinals
                         or lex.colour(words[start - 1])):
        start -= 1
        own = [words[start], *own]
    tail = words[start:]
    for q in clause.phrases:   # "... with a bowl": the new thing describes nothing here
        if q.role != "new":
            continue
        qw = words_of(q.text)
        at = next((i for i in range(1, len(tail)) if tail[i:i + len(qw)] == qw), None)
        if at is not None and tail[at - 1] in lex.new_object_preps:
            tail = tail[:at - 1]
    # "... to golden yellow": the colour asked for ("the orange" stays: a noun after "the")
    recolours = bool(set(clause.ops) & {"recolor", "make"})
    while len(tail) > len(own) and (tail[-1] in ("to", *lex.new_object_preps) or (
            recolours and lex.colour(tail[-1]) and tail[-2] not in _DETERMINERS)):
        tail = tail[:-1]
    return tail


def named_by(lex: Lexicon, graph: SceneGraph, name: str, head: str,
             colours: Iterable[str] = ()) -> list[SceneObject]:
    """The objects a noun (compound ``name``, ``head`` lemma) names by the lexicon, narrowed
    to the colours given when some have them ("the red one")."""
    labels = lex.labels_named(name, head, [o.label for o in graph.objects])
    found = [o for o in graph.objects if o.label in labels]
    colours = [c for c in colours if c != head]   # "the orange": a colour word as the noun
    if colours and any(o.color in colours for o in found):
        found = [o for o in found if o.color in colours]
    return found


def renamed(lex: Lexicon, graph: SceneGraph, p: NounPhrase, clause: Clause | None
            ) -> NounPhrase | None:
    """A phrase the parser cut short ("make the metal chairs black" gives "the metal"): the
    first word (or two-word name) of the clause within ``RENAME_REACH`` words after the phrase's
    start that names objects of this graph becomes its noun. None when none does."""
    if clause is None:
        return None
    words = words_of(clause.text)
    own = words_of(p.text)
    start = next((i for i in range(len(words)) if words[i:i + len(own)] == own), None)
    if not own or start is None:
        return None
    for i in range(start + 1, min(len(words), start + len(own) + RENAME_REACH)):
        if words[i] in lex.scope_breaks or any(
                words[i:i + len(prep.split())] == prep.split() for prep in lex.relation_preps):
            break   # "the horse next to the kettle": the kettle is another phrase
        if words[i] in _DETERMINERS:
            continue
        pair = " ".join(words[i:i + 2])
        for name, head in ((pair, words[i + 1] if i + 1 < len(words) else None),
                           (words[i], words[i])):
            if head and named_by(lex, graph, name, fold(head)):
                return replace(p, text=" ".join(words[start:i + len(name.split())]),
                               head=fold(head), name=" ".join(fold(w) for w in name.split()),
                               plural=p.plural or fold(head) != head)
    return None


def named_objects(graph: SceneGraph, text: str) -> list[SceneObject]:
    """The objects a bare noun phrase ("the plate", "the red mug") names, by its parse and
    the lexicon; [] when it names none."""
    lex = lexicon()
    for clause in parse(text).clauses:
        for p in clause.phrases:
            found = named_by(lex, graph, p.name, p.head, p.colours)
            if found:
                return found
    return []


# ---- the object phrase of a clause --------------------------------------------------------
def object_phrase(utterance: Utterance, lex: Lexicon) -> tuple[NounPhrase, Clause] | None:
    """The phrase a clause's command acts on, seen through an attribute or part: "the colour of
    the backpack", "the slice of lemon", "the person's hair" are about the backpack, the lemon,
    the person. None for an anaphor or no object."""
    commands = [c for c in utterance.commands if not c.negated]
    # no command ("I meant all of the mugs"): what the sentence is about
    roles = ("object",) if commands else ("object", "context")
    for clause in commands or utterance.clauses:
        phrases = list(clause.phrases)
        if any(p.anaphor and p.role == "object" for p in phrases):
            return None   # "the flat disc people throw ...: replace it": "it" is described
        if clause in commands and not any(p.role == "object" for p in phrases):
            # "replace the giraffe standing in the enclosure with ...": the small parser
            # makes the giraffe the subject of "standing"; a command acts on its first phrase
            first = next((p for p in phrases if p.role == "context" and not p.anaphor), None)
            if first is not None and all(first.start < p.start for p in phrases
                                         if p.role == "new"):
                phrases = [replace(first, role="object") if p is first else p
                           for p in phrases]
        for n, p in enumerate(phrases):
            if p.role not in roles:
                continue
            if p.head in lex.parts and not p.owner:
                return None   # "the part of the wardrobe you pull": a description
            # "the smallest shape" is a kind; "the shape of the table" an attribute
            kind = p.head in lex.kinds and not p.owner and all(a.prep != "of"
                                                               for a in p.attachments)
            if kind or (p.head not in lex.attributes and p.head not in lex.partitives):
                return _repaired(lex, p, phrases[n + 1:]), clause
            inner = next((a.phrase for a in p.attachments if a.prep == "of"), None)
            if inner is not None:   # "the two slices of cucumber": two of them
                return replace(inner, plural=inner.plural or p.plural,
                               numerals=inner.numerals or p.numerals), clause
            if p.owner:
                return NounPhrase(text=p.owner, head=p.owner, name=p.owner), clause
            if p.head not in lex.attributes:
                return None   # "the little piece that keeps the gate shut": a description
            # "the color" with its "of" phrase parsed apart: the phrase right after it
            others = [q for q in phrases[n + 1:] + phrases[:n][::-1]
                      if q.role in ("context", "object") and not q.anaphor
                      and q.head not in lex.attributes and not lex.colour(q.head)
                      and (abs(q.start - p.end) <= 2 or p.start <= q.start < p.end)]
            if others:
                return _repaired(lex, others[0], ()), clause
    return None


def _repaired(lex: Lexicon, p: NounPhrase, following: Sequence[NounPhrase]) -> NounPhrase:
    """Undo two mis-parses of the small English pipeline: "make the rightmost fruit cyan" gives
    an object "the rightmost" (a position word as head) and "fruit cyan" (the new colour as
    head). The object takes the next phrase's noun; a colour head gives way to the word before
    it, since that colour is the result asked for, not a description."""
    if (p.head in lex.positions or p.head in lex.ordinals) and following:
        nxt = _repaired(lex, following[0], ())
        p = replace(nxt, text=f"{p.text} {nxt.text}", determiner=p.determiner,
                    adjectives=(*p.adjectives, p.head, *nxt.adjectives), role=p.role)
    words = p.name.split()
    if lex.colour(p.head) and len(words) > 1:
        text = p.text.rsplit(" ", 1)[0] if p.text.endswith(words[-1]) else p.text
        p = replace(p, head=fold(words[-2]), name=" ".join(words[:-1]), text=text,
                    colours=tuple(c for c in p.colours if c != lex.colour(p.head)))
    return p


def relation_spans(lex: Lexicon, words: list[str], placing: bool = False
                   ) -> list[tuple[int, int, str]]:
    """(start, end, preposition) of each relation preposition in the words, longest first;
    ``placing``: the words that only place an object ("add X to Y") count too."""
    preps = sorted([*lex.relation_preps, *(lex.placement_preps if placing else ())],
                   key=lambda p: -len(p.split()))
    taken: set[int] = set()
    out = []
    for prep in preps:
        pw = prep.split()
        for i in range(len(words) - len(pw) + 1):
            if words[i:i + len(pw)] == pw and not taken & set(range(i, i + len(pw))):
                taken.update(range(i, i + len(pw)))
                out.append((i, i + len(pw), prep))
    return sorted(out)
