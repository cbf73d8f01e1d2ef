"""``move``: the target goes to the place a relation to an anchor object gives."""
from __future__ import annotations

from typing import ClassVar, Literal

from ..scene.model import Predicate
from .builder import GRAPH_IN, Builder
from .checks import Check, Verdict, at, at_new_place
from .expect import Expectations
from .registry import EditBase, Lexicon, op


def _compile(b: Builder, e: "MoveEdit", seed: int) -> list:
    m = b.mask(e.target)
    w, h = b.size(e.target)
    n = b.add("place_object", graph=GRAPH_IN, anchor=e.anchor, relation=e.relation,
              width=w, height=h, ignore=e.target)
    return [m, b.relocate(e.target, m, b.ref(n, "box"), seed)]


def _verify(e: "MoveEdit", c: Check) -> Verdict:
    hit, failed = at_new_place(e.target, c)
    if failed:
        return failed
    anchor = at(c.after, c.before.mask_of(e.anchor))
    ok = anchor is not None and c.after.holds(hit.id, e.relation, anchor.id)
    return Verdict(ok, f"{e.target} {'is' if ok else 'is not'} {e.relation} "
                   f"{e.anchor} after the move")


def _expect(x: Expectations, e: dict, k: int) -> None:
    # Keeps its true box: a moved object must have left it (see eval.expected._admits).
    t = x.objects[e["target"]]
    t.mode, t.relation = "relation", (e["relation"], e["anchor"])
    t.why = f"moved {e['relation']} {e['anchor']}"


@op("move", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "move", "target": "o3", "anchor": "o2", "relation": "right_of"},),
    order=50,
    lexicon=Lexicon(
        verbs=("move", "shift", "relocate", "drag", "put", "place", "set"),
        patterns=(r"\bmove\b", r"\b(put|place|set)\s+(the|it|them|that|this)\b", r"\bshift\b"),
        clause_verbs=("move", "put", "place"),
        lead_verbs=("move", "put")))
class MoveEdit(EditBase):
    """Move the target to the place given by `relation` to the `anchor` object."""
    op: Literal["move"] = "move"
    target: str
    anchor: str
    relation: Predicate
    id_fields: ClassVar[tuple[str, ...]] = ("target", "anchor")
