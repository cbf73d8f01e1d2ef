"""Did an edit happen? Checks one edit against the graphs perceived before and after rendering.

Each op declares its own check (``@op(verify=...)`` in ``sceneedit.ops``); this is the one entry
point. Objects are matched across the two graphs by mask overlap (perception assigns fresh ids),
so this works with any perceiver. Used by the demo, the tests of every op, and the Editor's
verification step.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .ops import OP_REGISTRY, EditBase
from .ops.checks import SAME_PLACE_IOU, Check, Verdict  # noqa: F401  (re-exported)
from .ops.resize import RESIZE_TOLERANCE  # noqa: F401  (re-exported)
from .ops.restyle import RESTYLE_MIN_CHANGE  # noqa: F401  (re-exported)
from .plugins import read_object_phrase
from .scene.model import SceneGraph


def verify_edit(edit: EditBase, before: SceneGraph, after: SceneGraph, *, footprint: np.ndarray,
                image_before: np.ndarray | None = None, image_after: np.ndarray | None = None,
                new_masks: dict[str, np.ndarray] | None = None,
                read_text: Callable[[np.ndarray], list[tuple[str, np.ndarray]]] | None = None
                ) -> Verdict:
    """Check that ``edit`` (with ids of ``before``) took effect in ``after``.

    ``footprint`` is the edit's footprint; ``new_masks`` the compiled workflow's ``mask_<id>``
    outputs (where moved / resized objects went); ``read_text``: reads the text in an image
    ((string, mask) per reading, e.g. OCR), for ops that change text.
    """
    if type(edit) not in OP_REGISTRY.models:
        return Verdict(False, f"no check for op {edit.op!r}")
    check = Check(before, after, footprint, image_before, image_after, new_masks or {},
                  read_object_phrase, read_text)
    return OP_REGISTRY.of(edit).verify(edit, check)
