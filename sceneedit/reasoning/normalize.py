"""Reading a small model's edits for what they mean before validating them.

Measured on the benchmark (1.5B): asked to "make the pillows yellow", the model writes
``replace`` with "pillow", "yellow" or "mug yellow", or ``restyle`` with style "yellow", and
keeps doing so when the validator's error is fed back. An edit whose new object is the target's
own kind and/or a colour, or whose style is a colour, can only mean a recolour: it is rewritten
to ``recolor`` with the colour it names, or the one colour the instruction names. Likewise a
``replace`` whose new object is one already in the picture — the model writes ``with: "o3"``
or ``with: "cake"`` for "replace the croissant with a copy of the cake" — is rewritten to use
``source``. Anything less clear is left to validation.
"""
from __future__ import annotations

import re
from typing import Any

from ..palette import COLOR_NAMES
from ..scene.model import SceneGraph
from .phrases import named_objects

_COPY_OF = re.compile(r"\b(?:a )?(?:copy|duplicate|clone) of (?:one of )?(?:the )?"
                      r"([a-z' -]+?)(?=[.,;!?]|$| and | to | on | in | next )")

# "use the potted plant that is already in the room": an object in the picture, too
_ALREADY_THERE = re.compile(r"\buse (?:the|that|this) ([a-z' -]+?) (?:that |which )?(?:is |are )?"
                            r"already\b")

_FILLER = {"a", "an", "the", "new", "another", "color", "colour", "colored", "coloured"}


def _words(text: str) -> list[str]:
    return [w.replace("grey", "gray") for w in re.findall(r"[a-z]+", text.lower())
            if w not in _FILLER]


def _recolor_meant(edit: dict[str, Any], graph: SceneGraph, instruction: str) -> str | None:
    """The colour a replace/restyle edit really asks for, or None if it is a real one."""
    text = edit.get("with") if edit.get("op") == "replace" else \
        edit.get("style") if edit.get("op") == "restyle" else None
    target = edit.get("target")
    if not isinstance(text, str) or target not in graph:
        return None
    if re.match(r"\s*(a|an)\s", text.lower()):
        return None  # "an orange" is a fruit, not a colour
    if re.search(rf"\b(?:with|into|for) (?:a |an )?{re.escape(text.lower().strip())}\b",
                 instruction.lower()):
        return None  # "replace it with a red pen": asked for in so many words
    words = _words(text)
    label = set(_words(graph.get(target).label))
    colors = [w for w in words if w in COLOR_NAMES]
    rest = [w for w in words if w not in COLOR_NAMES and w not in label]
    if rest:
        return None  # names something else: a real replacement or style
    if len(set(colors)) == 1:
        return colors[0]
    asked = {w for w in _words(instruction) if w in COLOR_NAMES}
    target_color = graph.get(target).color
    asked.discard(target_color)  # "make the white mug yellow": white is the referent's colour
    return asked.pop() if len(asked) == 1 else None


def copied_objects(graph: SceneGraph, instruction: str) -> list:
    """The objects in the picture an instruction asks to copy ("a copy of the cake", "use the
    potted plant that is already in the room"), in graph order."""
    text = instruction.lower().replace("grey", "gray")
    m = _COPY_OF.search(text) or _ALREADY_THERE.search(text)
    if not m:
        return []
    return named_objects(graph, f"the {m.group(1)}")


def _source_meant(edit: dict[str, Any], graph: SceneGraph, instruction: str) -> str | None:
    """The id of the object already in the image that a ``replace ... with`` means, if any."""
    text, target = edit.get("with"), edit.get("target")
    if edit.get("op") != "replace" or not isinstance(text, str):
        return None
    found = [o.id for o in copied_objects(graph, instruction) if o.id != target]
    text = text.strip()
    if found:   # "a copy of the red car": the red car, whatever id the model wrote
        return text if text in found else found[0]
    return text if text in graph and text != target else None


def normalize_edits(edits: list[Any], graph: SceneGraph, instruction: str,
                    feedback: str | None = None, forbid: set[str] | frozenset[str] = frozenset()
                    ) -> list[Any]:
    """``feedback`` may name an object in the picture to use ("use the potted plant that is
    already in the room"); an op in ``forbid`` ("don't use recolor") is never produced."""
    if feedback:
        instruction = f"{instruction} {feedback}"
    out = []
    for edit in edits:
        if not isinstance(edit, dict):
            out.append(edit)
            continue
        # "a copy of the blue pillow" names an object in the picture, not a colour: first
        source = _source_meant(edit, graph, instruction)
        color = None if source or "recolor" in forbid else \
            _recolor_meant(edit, graph, instruction)
        if source:
            edit = {"op": "replace", "target": edit["target"], "source": source}
        elif color:
            edit = {"op": "recolor", "target": edit["target"], "color": color}
        if edit not in out:   # the 1.5B sometimes writes the same edit twice
            out.append(edit)
    return out
