"""The edit fields an instruction spells out word for word: the new object ("replace it with a
small potted plant", "add a garden gnome"), the style ("look like it is made of velvet") and
where a moved or added object goes ("onto the nightstand" -> on_top_of).

Measured on the reasoning benchmark: the 1.5B model shortens or rewords these ("potted plant"
for "small potted plant") and picks placement relations loosely (right_of for "onto the
nightstand"). They are copied from the wording and become enums in the decoding grammar; a
field the wording does not spell out stays free.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..plan import PLACEMENT_RELATIONS
from ..language import lexicon, parse
from .intent import clause_ops, clauses, make_result
from .phrases import fold, relation_spans, words_of

TEXT_MAX = 40   # characters of a free-text field (with / what / style) in the decoding grammar

# Placement words ("to the left of", "onto"), longest first: the lexicon's relation words.
_PLACE_RE = "|".join(re.escape(p) for p in sorted([*lexicon().relation_preps,
                                                   *lexicon().placement_preps],
                                                  key=len, reverse=True))
_NEGATED = re.compile(r"\b(?:don'?t|do not|never|keep|not)\b")
_ARTICLE = r"(?:(?:a|an|some|one|another|the) )?"


@dataclass
class Slots:
    """Per field, the values the wording allows (empty: the field is free)."""

    texts: dict[str, list[str]] = field(default_factory=dict)   # with / what / style
    relations: list[str] = field(default_factory=list)          # add / move placement
    colours: list[str] = field(default_factory=list)            # what a recolour asks for
    anchors: list[str] = field(default_factory=list)   # the phrases placements are relative to

    def __bool__(self) -> bool:
        return bool(self.texts or self.relations or self.colours)


def _clean(text: str) -> str | None:
    text = re.sub(r"\b(instead|too|as well|please|again)\b", "", text)
    text = re.sub(r"\s+", " ", text).strip(" ,'-")
    return text if 0 < len(text) <= TEXT_MAX else None


def _replacement(clause: str) -> str | None:
    if re.search(r"\b(copy|duplicate|clone) of\b", clause):
        return None   # an object in the picture: a ``source``, not new text
    m = re.search(rf".*\b(?:with|into|for) {_ARTICLE}([a-z][a-z' -]*)$", clause)  # the last
    return _clean(_one_named(clause, m.group(1))) if m else None


def _added(clause: str) -> str | None:
    m = re.search(rf"\b(?:add|put|place|insert|draw) {_ARTICLE}([a-z][a-z' -]*?)"
                  rf"(?: (?:{_PLACE_RE})\b| (?:to|at) the\b|$)", clause)
    return _clean(_before_relative(clause, m.group(1))) if m else None


def _one_named(clause: str, text: str) -> str:
    """"one" stands for the noun of the object acted on: "change the person's hat to blue
    one" asks for a blue hat."""
    words = text.split()
    if words[-1] not in ("one", "ones"):
        return text
    heads = [p.name for c in parse(clause).clauses for p in c.phrases
             if p.role == "object" and p.head not in ("one", "ones")]
    return " ".join([*words[:-1], heads[0]]) if heads else text


def _before_relative(clause: str, text: str) -> str:
    """The new object without the clause the parse hangs on it ("a puppy lying on the
    cow's back" is a puppy)."""
    words = text.split()
    for c in parse(clause).clauses:
        for p in c.phrases:
            for rel in p.relative:
                first = rel.split()[0]
                if first in words[1:] and p.head in (fold(w) for w in words):
                    return " ".join(words[:words.index(first, 1)])
    return text


def _style(clause: str) -> str | None:
    m = re.search(r"\blooks? like (?:it is |it's |they are |they're )?(?:a |an )?"
                  r"(made (?:of|from) [a-z][a-z -]*)$", clause)
    if m:
        return _clean(m.group(1))
    m = re.search(r"\b(?:in the style of|in an? ([a-z -]+) style)\b ?([a-z -]*)$", clause)
    if m:
        return _clean(m.group(1) and f"{m.group(1)} style" or m.group(2))
    m = re.search(r"\blooks? (?!like\b)([a-z][a-z -]*)$", clause)   # "look striped"
    return _clean(m.group(1)) if m else None


def _colours_asked(clause: str) -> list[str]:
    """The colours a recolour clause asks for: its colour words that describe no phrase ("make
    the blue ring pink" -> pink; "make the mug blue and the plate red" -> blue, red); [] when
    every one describes ("the same colour as the red plate"). The parse may take the result
    for a description ("make the book red color"): a clause ending on a colour asks for it."""
    lex = lexicon()
    described = {c for cl in parse(clause).clauses for p in cl.phrases for c in p.colours}
    words = [w for w in words_of(clause) if w not in (",", ".")]
    # "the plane that is not orange": a negated colour describes
    colours = [None if lex.negation & set(words[max(0, i - 2):i]) else lex.colour(w)
               for i, w in enumerate(words)]
    found = [c for c in dict.fromkeys(colours) if c and c not in described]
    while words and words[-1] in lex.attributes:
        words.pop()   # "... red color"
    last = colours[len(words) - 1] if words else None
    return found or ([last] if last else [])


def _placement(clause: str) -> tuple[tuple[str, ...], str | None]:
    """The relations and the anchor phrase of the last placement phrase, by the lexicon's
    relation words ("add the red flower on the ground near the lower cup" -> near, "lower
    cup"; "left of it" -> left_of, "it"): a relation word's first placement, or every one a
    placing word allows ("add a vest to the surfer" -> on_top_of or inside)."""
    lex = lexicon()
    words = [w for w in words_of(clause) if w != ","]
    spans = relation_spans(lex, words, placing=True)
    for n in range(len(spans) - 1, -1, -1):
        start, end, prep = spans[n]
        relations = tuple(r for r in lex.placement_preps.get(prep, ())
                          if r in PLACEMENT_RELATIONS) \
            or tuple(r for r in lex.relation_preps.get(prep, ()) if r in PLACEMENT_RELATIONS)[:1]
        stop = spans[n + 1][0] if n + 1 < len(spans) else len(words)
        anchor = [w for w in words[end:stop] if w not in ("the", "a", "an")]
        if relations and anchor:
            return relations, " ".join(anchor)
    return (), None


def slots(instruction: str, feedback: str | None = None) -> Slots:
    """What the wording fixes. Feedback that asks for an action ("add the balloon to the left
    of it instead") speaks for itself; negated clauses ("don't use recolor") fix nothing."""
    source = [c for c in clauses(feedback or "") if clause_ops(c) and not _NEGATED.search(c)]
    from_feedback = bool(source)
    if not source:
        source = clauses(instruction)
    out = Slots()
    free_placement = False   # a placing clause whose wording names no relation
    free_anchor = False      # ... or no anchor
    free_colour = False      # a recolour whose wording ends on no colour
    for clause in source:
        ops = clause_ops(clause)
        made = make_result(clause)   # "change the door to iron": the result's own words
        result = _clean(_one_named(clause, made[1])) if made and made[1] else None
        found = {"with": (_replacement(clause) or result) if "replace" in ops else None,
                 "what": _added(clause) if "add" in ops else None,
                 "style": (_style(clause) or result) if "restyle" in ops else None}
        for name, value in found.items():
            if value and value not in out.texts.get(name, []):
                out.texts.setdefault(name, []).append(value)
        if "recolor" in ops:
            colours = _colours_asked(clause)
            free_colour |= not colours
            out.colours.extend(c for c in colours if c not in out.colours)
        if ops & {"add", "move"}:
            rels, anchor = _placement(clause)
            free_placement |= not rels
            free_anchor |= anchor is None
            out.relations.extend(r for r in rels if r not in out.relations)
            if anchor and anchor not in out.anchors:
                out.anchors.append(anchor)
    if free_placement:
        out.relations = []
    if free_anchor:
        out.anchors = []
    if free_colour:
        out.colours = []
    if from_feedback:
        # "add the balloon ... instead": the one the instruction named ("a hot air balloon")
        named = [v for c in clauses(instruction) for v in [_replacement(c), _added(c)] if v]
        for name, values in out.texts.items():
            out.texts[name] = [next((n for n in named if n.split()[-1] == v.split()[-1]), v)
                               for v in values]
    return out
