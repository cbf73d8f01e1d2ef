"""User constraints on a plan ("don't use recolor", "don't touch the sofa"), from structured
arguments or read from feedback text. They narrow the decoding grammar itself, so a forbidden
op or a protected object cannot appear in the answer at all."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ops import OP_REGISTRY
from ..plan import OPS
from ..scene.model import SceneGraph
from ..scene.query import find

# Words that name an op in feedback ("don't recolour it", "no swapping"): its name and its
# lexicon's feedback words.
_OP_WORDS = {s.name: (s.name, *s.lexicon.feedback_words) for s in OP_REGISTRY}
_NEGATION = r"(?:don'?t|do not|never|no|without|avoid|stop)"


@dataclass
class Constraints:
    forbid_ops: set[str] = field(default_factory=set)
    keep_ids: set[str] = field(default_factory=set)   # objects the plan must not edit

    def allowed_ops(self) -> list[str]:
        return [op for op in OPS if op not in self.forbid_ops]

    def merge(self, other: "Constraints") -> "Constraints":
        return Constraints(self.forbid_ops | other.forbid_ops, self.keep_ids | other.keep_ids)


def constraints_from_feedback(feedback: str | None, graph: SceneGraph) -> Constraints:
    """Read the constraints a feedback sentence states; free-form remarks are left to the LLM."""
    out = Constraints()
    if not feedback:
        return out
    text = feedback.lower()
    for op, words in _OP_WORDS.items():
        for w in words:
            if re.search(rf"{_NEGATION}\s+(?:use\s+|using\s+|any\s+)?(?:the\s+)?{w}", text):
                out.forbid_ops.add(op)
    for m in re.finditer(rf"{_NEGATION}\s+(?:touch|change|edit|modify|move|remove)\s+"
                         r"(?:the\s+|my\s+|any\s+)?([a-z][a-z ]{1,30}?)(?:[.,;!]|$| or | and )",
                         text):
        phrase = m.group(1).strip()
        ids = find(graph, label=phrase) or find(graph, label=phrase.rstrip("s"))
        out.keep_ids.update(ids)
    return out
