"""Reading a small model's edits for what they mean before validating them.

Measured on the benchmark (1.5B): asked to "make the pillows yellow", the model writes
``replace`` with "pillow", "yellow" or "mug yellow", or ``restyle`` with style "yellow", and
keeps doing so when the validator's error is fed back. An edit whose new object is the target's
own kind and/or a colour, or whose style is a colour, can only mean a recolour: it is rewritten
to ``recolor`` with the colour it names, or the one colour the instruction names. Anything less
clear is left to validation.
"""
from __future__ import annotations

import re
from typing import Any

from ..palette import COLOR_NAMES
from ..scene.model import SceneGraph

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


def normalize_edits(edits: list[Any], graph: SceneGraph, instruction: str) -> list[Any]:
    out = []
    for edit in edits:
        color = _recolor_meant(edit, graph, instruction) if isinstance(edit, dict) else None
        out.append({"op": "recolor", "target": edit["target"], "color": color}
                   if color else edit)
    return out
