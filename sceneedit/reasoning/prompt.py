"""The planner's prompt: a static prefix (role, edit vocabulary, rules, worked examples) that is
identical for every call — so its KV state is computed once and reused — followed by the scene
and the request.

The edit vocabulary is generated from the op registry (``sceneedit.ops``) and the palette, the
same declarations that validate plans, so the docs cannot drift from what is accepted.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from ..palette import COLOR_NAMES
from ..plan import EDIT_TYPES, PLACEMENT_RELATIONS, SCALE_RANGE
from ..scene.model import SceneGraph
from .examples import EXAMPLES

SYSTEM = """You plan image edits. You read a scene (a list of objects with ids) and an \
instruction, and answer with JSON edits that carry out the instruction on those objects.

How to answer:
1. First find the object(s) the instruction is ABOUT. Use common sense: "the device that makes \
the TV louder" is a speaker; "the fruit richest in vitamin C" is an orange or a lemon. \
The object named as the NEW thing ("replace it with a lamp") is not the one to edit. \
Choose the exact part the instruction names (a door handle, not the door). "all", "every" or a \
plural means one edit per matching object.
2. Then write one edit per object and action, using only ids from the scene.
3. If the object the instruction is about is not in the scene, give no edits: set "unresolved" \
to a short reason and list the missing thing in "missing".
Keep "reasoning" to one short sentence."""


def edit_docs() -> str:
    """One line per registered op, generated from its model."""
    lines = []
    for model in EDIT_TYPES:
        op = model.model_fields["op"].default
        fields = [(f.alias or name) for name, f in model.model_fields.items() if name != "op"]
        doc = " ".join((model.__doc__ or "").split())
        lines.append(f'- {op}: {{"op": "{op}", ' + ", ".join(f'"{f}": ...' for f in fields)
                     + f"}} — {doc}")
    lines.append(f"Colours: {', '.join(COLOR_NAMES)}.")
    lines.append(f"Placement relations (add, move): {', '.join(PLACEMENT_RELATIONS)}.")
    lines.append(f"Resize scale: {SCALE_RANGE[0]} to {SCALE_RANGE[1]} (0.5 = half, 2 = double).")
    return "\n".join(lines)


def answer_json(edits: Sequence[dict], reasoning: str, unresolved: str | None = None,
                missing: Sequence[str] = ()) -> str:
    return json.dumps({"reasoning": reasoning, "edits": list(edits), "unresolved": unresolved,
                       "missing": list(missing)})


def request_text(graph: SceneGraph, instruction: str, feedback: str | None = None,
                 previous: str | None = None, max_scene_chars: int = 3000) -> str:
    parts = ["Scene:", graph.to_text(max_chars=max_scene_chars), "", f"Instruction: {instruction}"]
    if previous is not None:
        parts += [f"Your previous answer: {previous}"]
    if feedback:
        parts += [f"User feedback: {feedback}", "Answer again, following the feedback."]
    return "\n".join(parts)


def static_messages() -> list[dict[str, str]]:
    """System prompt, edit docs and worked examples: the same for every call. The examples
    share one scene, shown once, to keep the prefix short."""
    msgs = [{"role": "system", "content": SYSTEM + "\n\nEdits:\n" + edit_docs()}]
    for i, ex in enumerate(EXAMPLES):
        user = request_text(ex.graph, ex.instruction) if i == 0 else \
            f"Same scene. Instruction: {ex.instruction}"
        msgs.append({"role": "user", "content": user})
        msgs.append({"role": "assistant", "content": answer_json(ex.edits, ex.reasoning,
                                                                 ex.unresolved, ex.missing)})
    return msgs


def build_messages(graph: SceneGraph, instruction: str, feedback: str | None = None,
                   previous: str | None = None, repair: Sequence[tuple[str, str]] = ()
                   ) -> list[dict[str, str]]:
    """The full chat: the static part, then this request, then any repair turns
    (our previous answer and the error it had)."""
    msgs = static_messages()
    msgs.append({"role": "user", "content": request_text(graph, instruction, feedback,
                                                          previous)})
    for answer, error in repair:
        msgs.append({"role": "assistant", "content": answer})
        msgs.append({"role": "user", "content": f"That answer is invalid: {error}\nAnswer again."})
    return msgs
