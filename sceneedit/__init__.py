"""sceneedit: complex, reasoning-heavy image edits.

Perceive an image into a typed scene graph, reason about an instruction into explicit atomic
edits (a Plan), compile the plan into a workflow of typed bricks, and render it with every pixel
outside the edits left exactly as it was.

The names below are imported lazily, so ``import sceneedit`` (and the CLI's ``--help``) stay fast.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "SceneGraph": "sceneedit.scene", "SceneObject": "sceneedit.scene",
    "Relation": "sceneedit.scene", "Plan": "sceneedit.plan", "parse_edit": "sceneedit.plan",
    "compile_plan": "sceneedit.compiler", "Executor": "sceneedit.workflow.executor",
    "Workflow": "sceneedit.workflow.model", "REGISTRY": "sceneedit.bricks",
    "brick": "sceneedit.bricks", "Port": "sceneedit.bricks", "PortType": "sceneedit.bricks",
    "ClassicalPerceiver": "sceneedit.perception", "generate_scene": "sceneedit.synthetic",
    "render_plan": "sceneedit.render", "load_image": "sceneedit.io", "save_image": "sceneedit.io",
    "Editor": "sceneedit.editor", "Session": "sceneedit.editor",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sceneedit' has no attribute {name!r}")
