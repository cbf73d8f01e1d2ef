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
from .intent import NamedPhrase, objects_named

_COPY_OF = re.compile(r"\b(?:a )?(?:copy|duplicate|clone) of (?:one of )?(?:the )?"
                      r"([a-z' -]+?)(?=[.,;!?]|$| and | to | on | in | next )")

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


def _source_meant(edit: dict[str, Any], graph: SceneGraph, instruction: str) -> str | None:
    """The id of the object already in the image that a ``replace ... with`` means, if any."""
    text, target = edit.get("with"), edit.get("target")
    if edit.get("op") != "replace" or not isinstance(text, str):
        return None
    if text.strip() in graph and text.strip() != target:
        return text.strip()
    m = _COPY_OF.search(instruction.lower().replace("grey", "gray"))
    if not m:
        return None
    words = tuple(m.group(1).split())
    phrase = NamedPhrase(words, next((w for w in words if w in COLOR_NAMES), None))
    found = [o for o in objects_named(phrase, graph) if o.id != target]
    return found[0].id if found else None


def normalize_edits(edits: list[Any], graph: SceneGraph, instruction: str) -> list[Any]:
    out = []
    for edit in edits:
        if not isinstance(edit, dict):
            out.append(edit)
            continue
        # "a copy of the blue pillow" names an object in the picture, not a colour: first
        source = _source_meant(edit, graph, instruction)
        color = None if source else _recolor_meant(edit, graph, instruction)
        if source:
            edit = {"op": "replace", "target": edit["target"], "source": source}
        elif color:
            edit = {"op": "recolor", "target": edit["target"], "color": color}
        out.append(edit)
    return out
