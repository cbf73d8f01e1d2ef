"""Referents as ranked candidates: every object the command's object phrase can name, scored by
the evidence for it, never picked by one rule alone.

Evidence, in log-odds units (so it adds, and a softmax turns it into the shares reported as
``alternatives``):

* **name** — the candidates are the objects the lexicon says the phrase's noun can name (label,
  synonym, kind; ``language/lexicon.json``); the phrase's colour, attributes, place and relations
  only rank them;
* **colour** — a palette colour in the phrase against the object's colour;
* **attributes** — the phrase's words against the object's ``key=value`` attributes
  ("the man in the white top" / ``top=white``; "not holding anything" / ``holding=nothing``);
* **place and size** — position words of the lexicon ("left", "second from the right",
  "background", "smaller") order the candidates by box geometry (``scene/query.py`` measures);
* **relations** — a preposition and an anchor ("under the surfer", "closer to the laptop") hold
  when ``scene/relations.py`` says so (the one definition the graph text shows the model), or by
  box distance for "closer to" / "farther from";
* **model** — when the evidence leaves two or more candidates close, the planner's model scores
  each candidate's id after a list of the candidates' graph lines and the whole instruction,
  normalised over the candidates.

Weights are round numbers set on the external dev split (``benchmarks/external``); each one is a
strong preference that more evidence can overturn, which is the point: no single kind of word
decides.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..language import Clause, NounPhrase, lexicon, parse
from ..llm.api import LLM
from ..scene.model import SceneGraph
from ..scene.text import object_line
from .described import _end_of_turn
from .evidence import CLOSE, EXCLUDED, Candidate, attribute_evidence, colour_evidence, \
    position_evidence, relation_evidence
from .phrases import Description, all_text, fold, named_by, named_objects, object_phrase, \
    renamed

# After the model, top two within this (log units, ~ a share ratio of 1.6) are reported as
# alternatives.
AMBIGUOUS = 0.5
_SYSTEM = "You answer with the id of one object from the list."


@dataclass(frozen=True)
class Ranking:
    """The candidates of one object phrase, best first, with their shares (softmax of the
    scores) and the evidence for each."""

    phrase: str
    candidates: tuple[Candidate, ...]
    shares: tuple[float, ...]
    plural: bool = False
    asked_model: bool = False
    by_kind: bool = False   # the noun names a kind or anything ("the fruit", "the thing")
    described: bool = False   # a relative clause describes it ("the machine that dries ...")

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def decided(self) -> bool:
        """One candidate, or the evidence separates the best from the rest."""
        return len(self.candidates) == 1 or \
            self.candidates[0].score - self.candidates[1].score >= CLOSE

    @property
    def ids(self) -> list[str]:
        """What the grammar may choose: the whole group for a plural phrase, the best when
        decided, else every candidate close to the best."""
        if self.plural:
            return [c.id for c in self.candidates if c.score >= self.best.score - CLOSE]
        if self.decided:
            return [self.best.id]
        return [c.id for c in self.candidates if c.score >= self.best.score - CLOSE]

    @property
    def refuted(self) -> bool:
        """Every candidate fails a relation the phrase states ("a wine glass on the stove",
        and no glass is on it): maybe none is meant, which only the model can weigh."""
        return all(c.refuted for c in self.candidates)

    @property
    def ambiguous(self) -> bool:
        return (not self.plural and len(self.candidates) > 1
                and self.candidates[0].score - self.candidates[1].score < AMBIGUOUS)

    def alternatives(self, chosen: str) -> list[dict]:
        """The interchange ``alternatives`` candidates (chosen first, then by share) when the
        choice was close; [] when it was clear."""
        if not self.ambiguous or chosen not in {c.id for c in self.candidates}:
            return []
        share = {c.id: s for c, s in zip(self.candidates, self.shares)}
        close = [c.id for c in self.candidates if c.score >= self.best.score - AMBIGUOUS]
        order = [chosen, *(i for i in close if i != chosen)]
        return [{"id": i, "score": round(share[i], 3)} for i in order]

    def reason(self) -> str:
        """Which evidence chose the best, for the plan's ``reasoning``."""
        b = self.best
        why = ", ".join(b.evidence) or "the only object it names"
        return f"'{self.phrase}' -> {b.id} ({b.label}): {why}"


# ---- the model -------------------------------------------------------------------------------
_MEMO_SIZE = 256

def _model_shares(llm: LLM, graph: SceneGraph, instruction: str, phrase: str,
                  ids: Sequence[str]) -> list[float]:
    """Log share of each candidate id as the model's answer to "which object is <phrase>?"."""
    memo: OrderedDict = vars(llm).setdefault("_ranking_scores", OrderedDict())
    w, h = graph.image.width, graph.image.height
    lines = "\n".join(object_line(graph.get(i), w, h) for i in ids)
    # keyed by what the prompt shows: a clause sees a relabelled copy of the scene
    key = (instruction, phrase, lines)
    if key in memo:
        return memo[key]
    keep = getattr(llm, "pin_current", None)
    if keep is not None:
        keep()   # the scene the last plan prompt evaluated survives this detour
    prompt = llm.format_chat([
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": f"Objects in the picture:\n{lines}\nInstruction: "
                                    f"{instruction}\nWhich object is \"{phrase}\"?"}]) \
        + "The object is"
    end = _end_of_turn(llm)
    raw = llm.score(prompt, [f" {i}{end}" for i in ids])
    top = max(raw)
    norm = top + math.log(sum(math.exp(s - top) for s in raw))
    out = [s - norm for s in raw]
    memo[key] = out
    while len(memo) > _MEMO_SIZE:
        memo.popitem(last=False)
    return out


# ---- ranking ---------------------------------------------------------------------------------
def rank_phrase(graph: SceneGraph, phrase: NounPhrase, *, llm: LLM | None = None,
                instruction: str | None = None, destinations: bool = False,
                exclude: Iterable[str] = (), clause: Clause | None = None) -> Ranking | None:
    """Rank the objects ``phrase`` can name; None when it names none by the lexicon (the
    model, asked with "none of these", decides that case: ``object_phrase.py``).
    ``destinations``: in a move or add clause a relation says where to, not which."""
    lex = lexicon()
    if phrase.anaphor:
        return None
    excluded = set(exclude)
    for p in phrase.excluded:   # "every chair except the red one"
        head = p.head if p.head not in lex.generic else phrase.head
        excluded.update(o.id for o in named_by(lex, graph, p.name if head == p.head
                                               else phrase.name, head, p.colours))
    objs = named_by(lex, graph, phrase.name, phrase.head)
    if not objs and phrase.owner:   # "the person's jacket": the person, in this graph
        return rank_phrase(graph, NounPhrase(text=phrase.owner, head=phrase.owner,
                                             name=phrase.owner), llm=llm,
                           instruction=instruction, destinations=destinations, exclude=exclude,
                           clause=clause)
    if not objs and (longer := renamed(lex, graph, phrase, clause)) is not None:
        phrase, objs = longer, named_by(lex, graph, longer.name, longer.head)
    if not objs:
        return None
    cands = [Candidate(o.id, o.label) for o in objs]
    for c in cands:
        if c.id in excluded:
            c.add(-EXCLUDED, "excluded")
    d = Description.of(lex, phrase, clause)
    relation_evidence(lex, graph, cands, d, destination=destinations)
    colour_evidence(lex, graph, cands, d, phrase.head)
    attribute_evidence(lex, graph, cands, d)
    position_evidence(lex, graph, cands, d)
    plural = phrase.plural or any(n not in ("one", "1") for n in phrase.numerals)
    cands.sort(key=lambda c: -c.score)
    asked = False
    close = [c for c in cands if c.score >= cands[0].score - CLOSE]
    # The model breaks ties the evidence left; a phrase with no evidence at all ("the fruit
    # richest in vitamin C") is a description, which ``described.py`` scores by label.
    evidence = any(c.evidence for c in cands)
    if llm is not None and instruction and len(close) > 1 and not plural and evidence \
            and callable(getattr(llm, "score", None)):
        shares = _model_shares(llm, graph, instruction, all_text(phrase), [c.id for c in close])
        for c, s in zip(close, shares):
            c.add(s, "model")
        # the ones the evidence had already left behind are no likelier than the least
        # likely of those asked: without this, shares (all negative) could lift them above
        for c in cands[len(close):]:
            c.add(min(shares), "model, not asked")
        cands.sort(key=lambda c: -c.score)
        asked = True
    top = cands[0].score
    weights = [math.exp(c.score - top) for c in cands]
    total = sum(weights)
    labels = {" ".join(fold(w) for w in o.label.lower().split()) for o in graph.objects}
    by_kind = phrase.head in lex.generic or (
        (phrase.name in lex.kinds or phrase.head in lex.kinds)
        and fold(phrase.name) not in labels and fold(phrase.head) not in labels)
    said = " ".join(w for w in d.words if w != ",") or all_text(phrase)
    return Ranking(said, tuple(cands), tuple(w / total for w in weights), plural, asked,
                   by_kind, bool(phrase.relative))


def rank_clause(graph: SceneGraph, clause: str, ops: Iterable[str] = (), *,
                llm: LLM | None = None, instruction: str | None = None) -> Ranking | None:
    """The ranking of the object a command clause acts on; None when it has none the lexicon
    knows (an anaphor, a description: the model decides those)."""
    lex = lexicon()
    found = object_phrase(parse(clause), lex)
    if found is None:
        return None
    return rank_phrase(graph, found[0], llm=llm, instruction=instruction or clause,
                       destinations=bool(set(ops) & {"move", "add"}), clause=found[1])


def ranked_objects(graph: SceneGraph, text: str) -> list[str]:
    """The objects a bare noun phrase picks ("lower cup", "the left bus"): its ranking's
    choice, or every object it names when nothing tells them apart; [] when it names none."""
    for clause in parse(f"the {text}" if text.split()[0] not in ("the", "a", "an") else text
                        ).clauses:
        for p in clause.phrases:
            ranking = rank_phrase(graph, p, clause=clause)
            if ranking is not None:
                return ranking.ids
    return [o.id for o in named_objects(graph, text)]
