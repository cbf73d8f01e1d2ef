"""The Editor: one call from an instruction to a verified result, and multi-turn sessions.

    import sceneedit as se
    editor = se.Editor(llm="default")
    result = editor.edit("scene.png", "Remove the lamp and make the mug red.")
    print(result.explain())

Names are imported lazily (the CLI's parser lives in ``editor.cli`` and must stay light).
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Editor": "editor", "EditResult": "result", "Attempt": "result", "Session": "session",
    "Turn": "session", "Verification": "verification", "Check": "verification",
    "Refiner": "api", "StageFn": "api", "STAGES": "api",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
