"""Referents described rather than named ("the thing that wakes me up every morning", "What
do I squeeze onto my toothbrush?"): each candidate label is scored by the model's
log-likelihood instead of being generated, and the grammar is then limited to the winner.

Measured on the 48 implicit cases of the reasoning benchmark with the 1.5B model: free
generation inside the full plan picked the right object in about 55%; scoring labels after
"Which object in the list is the instruction about?" in 75%; scoring them as the answer to the
bare description turned into a question, with no list to distract, in 79%; the sum of the two
in 87.5%, which is what is used. Two rules from the same errors narrow the candidates first:
an object the instruction mentions by name is a reference point or the new object ("onto my
toothbrush", "replace it with a floor lamp"), never the one described; and a kind word
("the fruit ...", "the tool ...") keeps that kind when the scene has any.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence

from ..ops import OP_REGISTRY
from ..palette import COLOR_NAMES
from ..perception.vocabulary import singular
from ..scene.model import SceneGraph, SceneObject
from .intent import clause_ops, clauses
from ..language import lexicon, parse
from ..llm.api import LLM
from .slots import _PLACE_RE

# "every morning" and "each other" are no plural referents
_PLURAL = re.compile(r"\b(?:all|both|them|they)\b|\bevery (?!morning|day|night|evening|time|"
                     r"week)\w+|\beach (?!other)\w+")
# "find the ..." and every op's lead verbs (``@op(lexicon=...)``)
_LEAD_VERB = re.compile(r"^(?:please )?(?:" + "|".join(dict.fromkeys(
    ("find", *(v for s in OP_REGISTRY for v in s.lexicon.lead_verbs)))) + r")\s+")
_TAIL = re.compile(rf"\s+(?:with (?:a|an|some) .*|(?:{_PLACE_RE}) (?:the|a|an) .*|"
                   rf"looks? like .*|twice .*|half .*|into .*|"
                   rf"(?:{'|'.join(COLOR_NAMES)}))$")
SYSTEM = "You answer with the name of one object from the list."


def _mentions(label: str, text: str) -> bool:
    """The whole label, as words, occurs in the text, or a synonym of it does (the lexicon's;
    plurals folded)."""
    words = [singular(w) for w in re.findall(r"[a-z]+", text.lower())]
    want = " ".join(singular(w) for w in label.lower().split())
    synonyms = lexicon().synonyms
    said = f" {' '.join(words)} "
    return f" {want} " in said or any(want in {singular(s) for s in synonyms.get(w, ())}
                                      for w in words)


def description(instruction: str) -> str:
    """The describing part of an instruction, as a question: "Replace the thing that wakes me
    up with a plant." -> "What is the thing that wakes me up?"."""
    parts = clauses(instruction)
    free = [c for c in parts if not clause_ops(c) and not re.fullmatch(r"(?:it|them)", c)]
    text = free[0] if free else parts[0]
    text = _TAIL.sub("", _LEAD_VERB.sub("", text)).strip(" ,:;?")
    if not re.match(r"(?:what|which|who|where)\b", text):
        text = f"what is {text}"
    return text[:1].upper() + text[1:] + "?"


def candidates(graph: SceneGraph, instruction: str) -> list[str]:
    """Labels the description can mean: not mentioned by name, of the kind it names if any."""
    labels = [lb for lb in dict.fromkeys(o.label for o in graph.objects)
              if not _mentions(lb, instruction)]
    words = {singular(w) for w in re.findall(r"[a-z]+", instruction.lower())}
    lex = lexicon()
    for kind in lex.kinds:
        if kind in words:
            of_kind = [lb for lb in labels if lex.names(kind, kind, lb) or any(
                o.attributes.get("kind") == kind for o in graph.objects if o.label == lb)]
            labels = of_kind or labels
    return labels


def applies(instruction: str) -> bool:
    """One action on one described object: a question or a noun phrase ("the thing that wakes
    me up"; not "remove this"), not compound, not plural ("all the tools")."""
    said = parse(instruction)
    if "?" not in instruction and not said.scenarios and not said.questions and not [
            p for p in said.command_objects() if not p.anaphor]:
        return False   # "remove this": a pointer (a mask, a previous turn), no description
    acting = [c for c in clauses(instruction) if clause_ops(c)]
    plural = _PLURAL.search(instruction.lower()) or re.search(
        r"\bthe (?:\w+ )?(?:" + "|".join(f"{k}s" for k in lexicon().kinds if " " not in k)
        + r"|things|objects|tools|toys)\b", instruction.lower())
    return len(acting) <= 1 and not plural


def _end_of_turn(llm: LLM) -> str:
    """The chat template's end-of-message marker ("<|im_end|>" for ChatML): scoring a label
    followed by it compares whole answers, so "door" cannot win on the first word of "door
    handle"."""
    text = llm.format_chat([{"role": "assistant", "content": "\x00"}],
                           add_generation_prompt=False)
    return text.split("\x00", 1)[1].strip()


_MEMO_SIZE = 256   # questions remembered per model: a repeated plan does not ask again


def _scores(llm: LLM, instruction: str, labels: Sequence[str]) -> list[float]:
    memo: OrderedDict[tuple, list[float]] = vars(llm).setdefault("_referent_scores",
                                                                 OrderedDict())
    key = (instruction, tuple(labels))
    if key in memo:
        memo.move_to_end(key)
        return memo[key]
    keep = getattr(llm, "pin_current", None)
    if keep is not None:
        keep()   # the scene the last plan prompt evaluated survives these detours
    listing = ", ".join(labels)
    in_list = llm.format_chat([
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Objects in the picture: {listing}.\nInstruction: "
                                    f"{instruction}\nWhich object in the list is the "
                                    "instruction about?"}]) + "The object is the"
    bare = llm.format_chat([{"role": "user", "content": description(instruction)
                             + " Answer in a few words."}]) + "The"
    end = _end_of_turn(llm)
    listed = llm.score(in_list, [f" {lb}.{end}" for lb in labels])
    answered = llm.score(bare, [f" {lb}" for lb in labels])
    total = [a + b for a, b in zip(listed, answered)]
    memo[key] = total
    while len(memo) > _MEMO_SIZE:
        memo.popitem(last=False)
    return total


def described_targets(llm: LLM, graph: SceneGraph, instruction: str
                      ) -> tuple[list[str], dict[str, float]] | None:
    """The objects of the best-scoring label, and every label's score; None when the
    instruction is not one described object or there is nothing to choose."""
    if not applies(instruction):
        return None
    labels = candidates(graph, instruction)
    if len(labels) < 2:
        return None if not labels else ([o.id for o in graph.objects if o.label == labels[0]],
                                        {labels[0]: 0.0})
    scores = dict(zip(labels, _scores(llm, instruction, labels)))
    best = max(labels, key=scores.__getitem__)
    ids: list[SceneObject] = [o for o in graph.objects if o.label == best]
    return [o.id for o in ids], scores
