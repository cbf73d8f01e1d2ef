"""Is the command's own object in the scene? Evidence from the parse and the model, never a
rule alone.

Only the phrases a command acts on count (``Utterance.command_objects``): the nouns of a
scenario or a question ("they hit a small ball", "which appliance keeps food fresh?") never make
an instruction impossible, nor do anaphors ("remove it"), generic words ("the thing"), parts
("the edge"), attributes ("the colour of ...") or what an object in the scene owns ("the
person's jacket"). A phrase that names no object of the graph by the lexicon (label word, synonym,
kind; its colour, when it gives one) is put to the model as a choice over the scene's labels
plus "none of these", scored by log-likelihood (the label-scoring path of ``described.py``);
the plan is ``unresolved`` only when "none of these" wins. Otherwise the planner goes on with
the winning label's objects.

A phrase that does name objects, but states a relation that holds for none of them ("a wine
glass on top of the stove", and no glass is on it: ``Ranking.refuted``), is put to the model
the same way over those objects (their lines and relations) plus "none of these": a graph can
miss a relation, so the evidence alone never says "none".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..language import NounPhrase, Utterance, lexicon, parse
from ..scene.model import SceneGraph
from ..scene.text import object_line, relation_lines
from .described import SYSTEM, _end_of_turn
from ..llm.api import LLM
from .phrases import object_phrase
from .ranking import rank_phrase

NONE = "none of these"
_SYSTEM_IDS = f"You answer with the id of one object from the list, or \"{NONE}\"."
SHOWN = 12   # objects (candidates first, then what they relate to) the refuted question lists


@dataclass
class ObjectCheck:
    """What asking about the unmatched object phrases found."""

    unmatched: list[NounPhrase]
    scores: dict[str, float] = field(default_factory=dict)   # label (and NONE) -> score
    absent: list[NounPhrase] = field(default_factory=list)   # phrases where NONE won
    refuted: list[NounPhrase] = field(default_factory=list)  # named, but NONE won (relation)
    ids: list[str] | None = None   # the winning label's objects (one phrase only)

    @property
    def missing(self) -> list[str]:
        """Names for perception refinement: the absent phrases without their determiner."""
        return [_bare(p) for p in self.absent]


def _bare(p: NounPhrase) -> str:
    words = p.text.split()
    return " ".join(words[1:] if p.determiner and words[0].lower() == p.determiner.split()[0]
                    else words)


def spelled_out(p: NounPhrase) -> str:
    """The phrase with what describes it: "the cat sleeping on the counter"."""
    return " ".join([p.text, *p.relative,
                     *(f"{a.prep} {a.phrase.text}" for a in p.attachments)])


def unmatched(graph: SceneGraph, utterance: Utterance) -> list[NounPhrase]:
    """The command object phrases that name no object of the graph by the lexicon."""
    lex = lexicon()
    labels = [o.label for o in graph.objects]
    out = []
    for p in utterance.command_objects():
        if (p.anaphor or p.head in lex.generic or p.head in lex.parts or lex.colour(p.head)
                or p.head in lex.attributes):
            continue
        if p.owner and lex.labels_named(p.owner, p.owner, labels):
            continue   # "the person's jacket": a part of an object in the scene
        named = set(lex.labels_named(p.name, p.head, labels))
        objects = [o for o in graph.objects if o.label in named]
        if objects and p.colours and any(o.color for o in objects):
            objects = [o for o in objects if o.color in p.colours]   # "the purple mug"
        if not objects:
            out.append(p)
    return out


def _options(graph: SceneGraph, phrase: NounPhrase) -> dict[str, list[str]]:
    """What the model chooses among -> the objects each option is: the scene's labels, with
    their colours when the phrase gives one ("the brown star" against "green star, red star":
    a bare "star" would hide that none is brown)."""
    out: dict[str, list[str]] = {}
    for o in graph.objects:
        name = f"{o.color} {o.label}" if phrase.colours and o.color else o.label
        out.setdefault(name, []).append(o.id)
    return out


def _ask(llm: LLM, instruction: str, phrase: NounPhrase, labels: list[str]
         ) -> dict[str, float]:
    keep = getattr(llm, "pin_current", None)
    if keep is not None:
        keep()   # the scene the last plan prompt evaluated survives this detour
    prompt = llm.format_chat([
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Objects in the picture: {', '.join(labels)}.\n"
                                    f"Instruction: {instruction}\nWhich object in the list is "
                                    f"\"{spelled_out(phrase)}\"? If none of them is, answer "
                                    f"\"{NONE}\"."}]) + "Answer:"
    end = _end_of_turn(llm)
    options = [*labels, NONE]
    return dict(zip(options, llm.score(prompt, [f" {o}{end}" for o in options])))


def _ask_objects(llm: LLM, graph: SceneGraph, instruction: str, phrase: NounPhrase,
                 ids: list[str]) -> dict[str, float]:
    """The model's score of each candidate id and of NONE, shown the candidates, what they
    relate to and how."""
    rels = [(r.subject, r.predicate, r.object) for r in graph.all_relations()
            if r.subject in ids or r.object in ids]
    shown = list(dict.fromkeys([*ids, *(x for s, _, o in rels for x in (s, o))]))[:SHOWN]
    rels = [t for t in rels if t[0] in shown and t[2] in shown]
    w, h = graph.image.width, graph.image.height
    lines = "\n".join(object_line(graph.get(i), w, h) for i in shown)
    keep = getattr(llm, "pin_current", None)
    if keep is not None:
        keep()
    prompt = llm.format_chat([
        {"role": "system", "content": _SYSTEM_IDS},
        {"role": "user", "content": f"Objects in the picture:\n{lines}\nRelations:\n"
                                    + "\n".join(relation_lines(rels) or ["none"])
                                    + f"\nInstruction: {instruction}\nWhich object is "
                                    f"\"{spelled_out(phrase)}\"? If none of them is, answer "
                                    f"\"{NONE}\"."}]) + "Answer:"
    end = _end_of_turn(llm)
    options = [*ids, NONE]
    return dict(zip(options, llm.score(prompt, [f" {o}{end}" for o in options])))


def _check_refuted(llm: LLM, graph: SceneGraph, instruction: str, utterance: Utterance,
                   check: "ObjectCheck") -> None:
    found = object_phrase(utterance, lexicon())
    if found is None:
        return
    phrase, clause = found
    ranking = rank_phrase(graph, phrase, clause=clause,
                          destinations=bool(set(clause.ops) & {"move", "add"}))
    if ranking is None or not ranking.refuted:
        return
    scores = _ask_objects(llm, graph, instruction, phrase, [c.id for c in ranking.candidates])
    check.scores.update(scores)
    if max(scores, key=scores.__getitem__) == NONE:
        check.refuted.append(phrase)


def check_command_objects(llm: LLM | None, graph: SceneGraph, instruction: str,
                          utterance: Utterance | None = None) -> ObjectCheck:
    """Ask the model about each command object phrase the graph does not hold by name. With
    no scoring model (``llm`` None), nothing is decided: the planner's model decides."""
    utterance = utterance or parse(instruction)
    check = ObjectCheck(unmatched(graph, utterance))
    if llm is None or not graph.objects:
        return check
    if not check.unmatched:
        _check_refuted(llm, graph, instruction, utterance, check)
        return check
    for phrase in check.unmatched:
        options = _options(graph, phrase)
        scores = _ask(llm, instruction, phrase, list(options))
        check.scores.update(scores)
        best = max(scores, key=scores.__getitem__)
        if best == NONE:
            check.absent.append(phrase)
        elif len(check.unmatched) == 1 and len(utterance.command_objects()) == 1:
            check.ids = options[best]
    return check
