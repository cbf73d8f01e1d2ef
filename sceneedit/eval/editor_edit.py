"""The full ``sceneedit.Editor`` — refinement, verification and its one re-plan — as the
harness's ``EditFn``, so ``sceneedit eval --editor`` measures what users run, not only
perceive -> plan -> render."""
from __future__ import annotations

import numpy as np

from .pipeline import EditOutcome, outcome_from_render


class EditorEdit:
    def __init__(self, editor, name: str | None = None):
        self.editor = editor
        self.name = name or "Editor (refine + verify + re-plan)"

    def __call__(self, image: np.ndarray, instruction: str, gold=None) -> EditOutcome:
        result = self.editor.edit(image, instruction)
        final = result.final
        h, w = image.shape[:2]
        if final.rendered is None:   # unresolved or failed: the input is the result
            return EditOutcome(result.image, result.plan, result.graph, np.zeros((h, w), bool),
                               dict(result.seconds), [])
        return outcome_from_render(final.rendered, result.plan, result.graph,
                                   dict(result.seconds))
