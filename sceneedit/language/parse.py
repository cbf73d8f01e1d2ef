"""One parse of an instruction into an ``Utterance``, on spaCy's dependency parse (the packaged
pipeline of ``pipeline.py``) and the words of ``lexicon.json``.

Clauses are the sentences, split further at coordinated verbs ("remove the cat and make the
dog red" is two). A clause is a **command** when its verb is an imperative (no subject, or
"you": "can you remove ...?") that the lexicon's op verbs know, or a negated imperative ("don't
touch the vase"); a **question** when its sentence asks ("?" or a wh-word first); otherwise a
**scenario**. Noun phrases are read off the tree: determiner, numerals, adjectives (colours as
palette names), compound name, relative clauses, prepositional attachments (exclusions marked),
and a role in the clause: what the command acts on (``object``), the replacement or new thing
(``new``), where it goes (``anchor``). Anaphors ("it", "them", "this object") point at the
question they answer.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .lexicon import Lexicon, lexicon
from .pipeline import nlp
from .utterance import Attachment, Clause, NounPhrase, Role, Utterance

__all__ = ["parse", "parse_doc"]

_WH = {"what", "which", "who", "whom", "whose", "where", "how", "when", "why"}
_NO_SPACE = re.compile(r" (?=[.,;:!?%)]|'s\b|n't\b|'re\b|'ll\b|'m\b)|(?<=\() ")
_ASKING = {"what", "which", "who", "whose"}
_ANAPHORA = {"it", "them", "they", "this", "that", "these", "those", "one", "ones"}
_DEMONSTRATIVES = {"this", "that", "these", "those"}
_NOUNS = {"NOUN", "PROPN", "PRON"}
_LEFT_MODIFIERS = {"det", "predet", "amod", "compound", "nummod", "poss", "quantmod", "nmod"}
_RELATIVE = {"relcl", "acl"}
_SUBJECTS = {"nsubj", "nsubjpass", "expl"}


@lru_cache(maxsize=256)
def parse(text: str) -> Utterance:
    """Parse an instruction with the verified packaged pipeline. Remembered per text (the
    ``Utterance`` is immutable): one plan reads the same instruction and clauses from several
    places (targets, per-clause edits, the ranking, the label scorer, alternatives)."""
    return parse_doc(parse_lines(nlp(), text), lexicon())


def parse_lines(pipeline: Any, text: str) -> Any:
    """One ``Doc`` of the text, each line parsed on its own: a line break ends a sentence
    (multi-line instructions list one edit a line; the parser would otherwise run the lines
    together into one sentence)."""
    from spacy.tokens import Doc   # lazy, like the pipeline

    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) <= 1:
        return pipeline(text.strip())
    return Doc.from_docs(list(pipeline.pipe(lines)))


def parse_doc(doc: Any, lex: Lexicon) -> Utterance:
    """The ``Utterance`` of a spaCy ``Doc`` (any English pipeline with a parser)."""
    clauses: list[Clause] = []
    for sent in doc.sents:
        # "When people play golf ..." starts with a wh-word and asks nothing
        asks = sent.text.rstrip().endswith("?") or sent[0].lower_ in _ASKING
        heads = _clause_heads(sent.root)
        owner = {t.i: _owner(t, heads) for t in sent}
        for head in sorted(heads, key=lambda h: h.i):
            toks = [t for t in sent if owner[t.i] == head.i]
            clauses.append(_clause(len(clauses), head, toks, asks, lex))
    if not any(c.kind == "command" for c in clauses):
        clauses = [_fallback_command(c, lex) for c in clauses]
    clauses = _tie_anaphora(clauses)
    return Utterance(text=doc.text, clauses=tuple(clauses))


def _clause_heads(root: Any) -> list[Any]:
    """The sentence root and the verbs coordinated with it ("remove X and paint Y"), and an
    imperative the parser hung deeper ("remove the boy who is not holding anything, and don't
    touch the dog": "touch" as a conjunct of "holding")."""
    heads, todo = [root], [root]
    while todo:
        for c in todo.pop().children:
            if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX"):
                heads.append(c)
                todo.append(c)
    for t in root.sent:
        if t.dep_ == "conj" and t.tag_ == "VB" and t not in heads and not any(
                c.dep_ in _SUBJECTS for c in t.children) and _negated(t):
            heads.append(t)
    return heads


def _owner(tok: Any, heads: list[Any]) -> int:
    ids = {h.i for h in heads}
    t = tok
    while t.i not in ids and t.head.i != t.i:
        t = t.head
    return t.i if t.i in ids else heads[0].i


def _negated(tok: Any) -> bool:
    return any(c.dep_ == "neg" for c in tok.children)


def _ops(verb: Any, lemma: str, lex: Lexicon) -> tuple[str, ...]:
    """The ops of a verb with its particle ("take away", "get rid"), else of the verb."""
    for c in verb.children:
        if c.dep_ in ("prt", "advmod", "acomp", "dobj", "oprd"):
            ops = lex.ops_of(lemma, c.lower_)
            if ops and lex.ops_of(lemma, c.lower_) != lex.ops_of(lemma):
                return ops
    return lex.ops_of(lemma)


def _clause(index: int, head: Any, toks: list[Any], asks: bool, lex: Lexicon) -> Clause:
    verb = head.lemma_.lower() if head.pos_ in ("VERB", "AUX") or head.i == head.sent.start \
        else None
    subjects = [c for c in head.children if c.dep_ in _SUBJECTS]
    imperative = verb is not None and all(s.lower_ == "you" for s in subjects) and (
        head.tag_ in ("VB", "NN", "NNP") or head.i == head.sent.start)
    ops = _ops(head, verb, lex) if verb else ()
    negated = _negated(head)
    if imperative and (ops or (negated and not subjects)):
        kind = "command"
    elif asks:
        kind = "question"
    else:
        kind = "scenario"
    phrases = _phrases(head, toks, kind, ops, lex)
    # the coordinating "and" and the punctuation between clauses belong to neither
    words = [t for t in toks if not (t.dep_ in ("cc", "punct") and t.head.i == head.i
                                     and t.i > head.i and t.i != toks[-1].i)]
    end = words[-1:] if words and words[-1].text in ".?!" else []
    body = words[:len(words) - len(end)]
    while body and (body[-1].dep_ == "cc" or body[-1].text in ",;"):
        body.pop()   # "remove the boy ..., and | don't touch the dog"
    text = _NO_SPACE.sub("", " ".join(t.text for t in body + end)).strip()
    return Clause(index=index, text=text, kind=kind, verb=verb, ops=ops, negated=negated,
                  phrases=phrases)


def _fallback_command(clause: Clause, lex: Lexicon) -> Clause:
    """No clause parsed as a command: the tagger misread an imperative ("Remove" as a proper
    noun, "Paint" as a noun). A clause whose first word is an op verb is the command, acting on
    its first phrase."""
    first = clause.text.split()[0].lower().strip(",.") if clause.text else ""
    ops = lex.ops_of(first)
    if not ops or clause.kind == "question":
        return clause
    phrases = list(clause.phrases)
    body = [i for i, p in enumerate(phrases) if p.head != first]
    if body:
        i = body[0]
        phrases[i] = _with_role(phrases[i], _acted_role(ops, phrases[i].indefinite))
    return Clause(index=clause.index, text=clause.text, kind="command", verb=first, ops=ops,
                  negated=clause.negated, phrases=tuple(phrases))


def _with_role(p: NounPhrase, role: Role) -> NounPhrase:
    return NounPhrase(**{**p.__dict__, "role": role})


# -- noun phrases -----------------------------------------------------------------------------

def _is_np_head(t: Any) -> bool:
    # "remove the remote held by ...": an object misread as an adjective is still one
    if t.pos_ not in _NOUNS and not (t.pos_ == "NUM" and t.dep_ != "nummod") and not (
            t.dep_ in ("dobj", "pobj") and t.pos_ in ("ADJ", "X")):
        return False
    if t.dep_ in ("compound", "poss") and t.head.pos_ in _NOUNS:
        return False   # part of a larger phrase ("coffee table", "the TV's remote")
    return t.lower_ not in _WH


def _noun_phrase(t: Any, lex: Lexicon, role: Role = "context") -> NounPhrase:
    kids = list(t.children)
    dets = [c for c in kids if c.dep_ in ("det", "predet")]
    adjs = [c for c in kids if c.dep_ == "amod"] + [
        c for c in kids if c.dep_ == "compound" and c.pos_ == "ADJ"]
    compounds = [c for c in kids if c.dep_ == "compound" and c.pos_ != "ADJ"]
    colours = [lex.colour(c.lower_) for c in adjs + compounds]
    head = t.lower_ if t.pos_ == "PROPN" else t.lemma_.lower()
    name = " ".join([c.lemma_.lower() for c in sorted(compounds, key=lambda c: c.i)] + [head])
    if adjs and f"{adjs[-1].lower_} {name}" in lex.compounds:
        name = f"{adjs[-1].lower_} {name}"   # "remote control": a name, not a remote one
    left = min([t.i] + [c.left_edge.i for c in kids if c.dep_ in _LEFT_MODIFIERS])
    determiner = " ".join(d.lower_ for d in sorted(dets, key=lambda d: d.i)) or None
    attachments = []
    for c in kids:
        if c.dep_ != "prep":
            continue
        objs = [g for g in c.children if g.dep_ == "pobj" and _is_np_head(g)]
        if objs:
            excludes = c.lower_ in lex.exclusion or c.lower_ == "without" or (
                c.lower_ == "than" and any(a.lower_ == "other" for a in adjs))
            attachments.append(Attachment(c.lower_, _noun_phrase(objs[0], lex), excludes))
    relative = [c for c in kids if c.dep_ in _RELATIVE]
    negated = any(_negated(r) for r in relative) or any(
        c.dep_ == "neg" for c in kids)
    nums = [c.lower_ for c in kids if c.dep_ == "nummod"]
    owners = [c.lemma_.lower() for c in kids if c.dep_ == "poss" and c.pos_ in ("NOUN", "PROPN")]
    plural = t.tag_ in ("NNS", "NNPS") or t.lower_ in ("them", "they", "these", "those") or any(
        d.lower_ in ("all", "both", "these", "those") for d in dets) or any(
        n not in ("one", "1") for n in nums)
    anaphor = (t.pos_ == "PRON" and t.lower_ in _ANAPHORA and t.tag_ != "WDT") or (
        head in lex.generic and any(d.lower_ in _DEMONSTRATIVES for d in dets)) or (
        t.lower_ in _DEMONSTRATIVES and t.dep_ in ("dobj", "nsubj") and t.tag_ != "WDT")
    return NounPhrase(
        text=t.doc[left:t.i + 1].text, head=head,
        name=name,
        determiner=determiner, numerals=tuple(nums),
        adjectives=tuple(a.lemma_.lower() for a in sorted(adjs, key=lambda a: a.i)),
        colours=tuple(c for c in colours if c), plural=plural,
        relative=tuple(t.doc[r.left_edge.i:r.right_edge.i + 1].text for r in relative),
        attachments=tuple(attachments), negated=negated, anaphor=anaphor, role=role,
        owner=owners[0] if owners else None, indefinite=_indefinite(t),
        start=left, end=t.i + 1)


def _conjuncts(t: Any) -> list[Any]:
    out, todo = [t], [t]
    while todo:
        for c in todo.pop().children:
            if c.dep_ == "conj" and _is_np_head(c):
                out.append(c)
                todo.append(c)
    return out


def _of_object(t: Any) -> Any | None:
    """"the colour of the cup" -> the cup; "rid of the lamp" -> the lamp."""
    for p in t.children:
        if p.dep_ == "prep" and p.lower_ == "of":
            for g in p.children:
                if g.dep_ == "pobj" and _is_np_head(g):
                    return g
    return None


def _roles(head: Any, toks: list[Any], kind: str, ops: tuple[str, ...], lex: Lexicon
           ) -> dict[int, Role]:
    """Token index -> role, for the heads of the phrases the command acts on, adds and
    places by."""
    roles: dict[int, Role] = {}
    if kind != "command":
        for s in head.children:
            if s.dep_ in _SUBJECTS and _is_np_head(s):
                roles[s.i] = "subject"
        return roles
    acted: list[Any] = []
    direct = any(c.dep_ == "dobj" for c in head.children)
    for c in head.children:
        if c.dep_ in ("dobj", "oprd", "attr") and _is_np_head(c) or c.dep_ == "dobj":
            acted.append(c)
        elif c.dep_ in ("ccomp", "xcomp") and not direct:
            # "make the mug red": the mug is its subject ("remove the thing firefighters
            # connect their hoses to": with a direct object, the clause describes it)
            acted += [g for g in c.children if g.dep_ in _SUBJECTS | {"dobj"}
                      and _is_np_head(g)]
        elif c.dep_ in ("acomp", "dobj") and c.lower_ == "rid":   # "get rid of"
            g = _of_object(c)
            acted += [g] if g is not None else []
    datives = [c for c in head.children if c.dep_ == "dative" and _is_np_head(c)]
    if datives:   # "give the mug a wooden look": the mug is acted on, the look is the result
        acted = datives
    if not acted:   # "get rid of the lamp" parsed with "of" on the verb
        g = _of_object(head)
        acted += [g] if g is not None else []
    if not acted and ops:   # a misparse left the verb without an object: the first phrase
        acted = [t for t in head.subtree if t.i > head.i and _is_np_head(t)][:1]
    last = max((t.i for t in toks if t.pos_ != "PUNCT"), default=-1)
    for a in acted:
        if not _is_np_head(a):
            continue
        said = [c for c in a.children if c.dep_ in _SUBJECTS and _is_np_head(c)]
        if "make" in ops and lex.colour(a.lower_) and said:
            a = said[0]   # "make the brown star cyan" read as "star" the subject of "cyan"
        elif (a.lemma_.lower() in lex.attributes or a.lemma_.lower() in lex.partitives) \
                and _of_object(a) is not None:   # "the colour of X", "the slice of lemon"
            a = _of_object(a)
        elif "make" in ops and a.i == last and not any(t.lower_ in ("to", "into")
                                                         for t in toks):
            # "make the mug purple / wooden" misread as a noun "purple" modified by "mug"
            mods = [c for c in a.children if c.dep_ in ("amod", "compound")
                    and c.pos_ in _NOUNS]
            a = mods[-1] if mods else a
        for c in _conjuncts(a):
            roles[c.i] = _acted_role(ops, _indefinite(c))
    replacing = "replace" in ops or "make" in ops or "swap" in ops
    placing = bool({"move", "add"} & set(ops))   # "put it on the table": where it goes
    for p in [c for c in head.children if c.dep_ in ("prep", "dative")] + [
            c for a in acted for c in a.children if c.dep_ == "prep"]:
        for g in p.children:
            if g.dep_ != "pobj" or not _is_np_head(g) or g.i in roles:
                continue
            indefinite = not any(d.dep_ == "det" and d.lower_ in ("the", "this", "that")
                                 for d in g.children)
            if replacing and (p.lower_ in lex.new_object_preps - {"by"}
                              or (p.lower_ == "to" and indefinite)):
                roles[g.i] = "new"   # "with a bookshelf", "into a bus", "to a red car"
            elif head.i in (p.head.i, p.head.head.i) and p.lower_ not in lex.exclusion \
                    and placing:   # "on the table", "next to the sofa"
                target = _of_object(g) if g.lemma_.lower() in lex.parts else None
                roles[(target or g).i] = "anchor"
    if replacing:
        _last_new(roles, toks, ops, lex)
    return roles


def _acted_role(ops: tuple[str, ...], indefinite: bool) -> Role:
    """What a phrase the command acts on is: a new thing when the command only adds, or adds
    among other readings ("put a bowl ... on the table") and the phrase is indefinite; else the
    object to find."""
    return "new" if ops and (set(ops) <= {"add"} or "add" in ops and indefinite) else "object"


def _indefinite(t: Any) -> bool:
    """"a bowl of popcorn", "two cups": a new thing ("put a bowl ... on the table" adds one),
    where "the teddy bear" is one already there."""
    dets = [c for c in t.children if c.dep_ in ("det", "nummod", "poss")]
    return bool(dets) and all("Ind" in d.morph.get("Definite") or d.like_num for d in dets)


def _last_new(roles: dict[int, Role], toks: list[Any], ops: tuple[str, ...], lex: Lexicon
              ) -> None:
    """The replacement is the last "with ..." ("into ..." / "to ..." after change or turn)
    of the clause: "replace the bottle with a white top ... with a snowman" - the parser often
    hangs the final phrase inside the object's description."""
    preps = {"with", "by", "for"} if {"replace", "swap"} & set(ops) else {"to", "into"}
    first = min((i for i, r in roles.items() if r == "object"), default=-1)
    found = [t for t in toks if t.dep_ == "pobj" and t.head.lower_ in preps and t.i > first
             and _is_np_head(t) and roles.get(t.i) != "object"
             and not (lex.colour(t.lower_) and not any(c.pos_ == "NOUN" for c in t.children))]
    if not found and "make" in ops:
        # "change the right chair to nightstand": "to" read as an infinitive marker; the
        # new thing is the last noun after the last "to" / "into"
        marks = [t.i for t in toks if t.lower_ in preps and t.i > first]
        found = [t for t in toks if marks and t.i > marks[-1] and t.pos_ in ("NOUN", "PROPN")
                 and not lex.colour(t.lower_)][-1:]
        found = [t for t in found if t.i == max(u.i for u in toks if u.pos_ != "PUNCT")]
    if found:
        for i in [i for i, r in roles.items() if r == "new"]:
            del roles[i]
        roles[found[-1].i] = "new"


def _phrases(head: Any, toks: list[Any], kind: str, ops: tuple[str, ...],
             lex: Lexicon) -> tuple[NounPhrase, ...]:
    roles = _roles(head, toks, kind, ops, lex)
    return tuple(_noun_phrase(t, lex, roles.get(t.i, "context")) for t in toks
                 if _is_np_head(t) or t.i in roles)


def _tie_anaphora(clauses: list[Clause]) -> list[Clause]:
    """An anaphor in a command answers the nearest question before it ("Which appliance
    keeps it fresh? Replace this object ..."), else the nearest clause before it."""
    out = []
    for c in clauses:
        if c.kind == "command":
            before = [q.index for q in clauses[:c.index] if q.kind == "question"] or [
                q.index for q in clauses[:c.index]]
            if before:
                phrases = tuple(NounPhrase(**{**p.__dict__, "antecedent": before[-1]})
                                if p.anaphor else p for p in c.phrases)
                c = Clause(**{**c.__dict__, "phrases": phrases})
        out.append(c)
    return out
