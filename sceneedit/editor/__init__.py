"""The Editor: one call from an instruction to a verified result, and multi-turn sessions.

    import sceneedit as se
    editor = se.Editor(llm="default")
    result = editor.edit("scene.png", "Remove the lamp and make the mug red.")
    print(result.explain())
"""
from .api import STAGES, Refiner, StageFn
from .editor import Editor
from .result import Attempt, EditResult
from .session import Session, Turn
from .verification import Check, Verification

__all__ = ["STAGES", "Attempt", "Check", "EditResult", "Editor", "Refiner", "Session",
           "StageFn", "Turn", "Verification"]
