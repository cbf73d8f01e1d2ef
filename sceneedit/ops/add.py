"""``add``: a new object, placed by a relation to an anchor object."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from ..scene.model import Predicate
from .builder import GRAPH_IN, Builder
from .checks import Check, Verdict, at, covering
from .expect import Expect, Expectations
from .registry import EditBase, Lexicon, op


def _compile(b: Builder, e: "AddEdit", seed: int) -> list:
    w, h = b.size(e.anchor)  # a new object is sized like its anchor (documented default)
    n = b.add("place_object", graph=GRAPH_IN, anchor=e.anchor, relation=e.relation,
              width=w, height=h)
    if b.generative:
        g = b.gen("gen_add", seed, False, image=b.image, box=b.ref(n, "box"), what=e.what)
        b.image, new_mask = b.ref(g, "image"), b.ref(g, "mask")
    else:
        b.image, new_mask = b.draw(b.image, e.what, b.ref(n, "box"), seed)
    b.added.append(new_mask)
    return [new_mask]


def _verify(e: "AddEdit", c: Check) -> Verdict:
    want, color = c.category(e.what)
    hits = [h for h in covering(c.after, c.footprint) if h.label == want and
            (color is None or h.color == color)]
    anchor = at(c.after, c.before.mask_of(e.anchor))
    if not hits or anchor is None:
        return Verdict(False, f"no new {want} found" if not hits else "anchor lost")
    ok = any(c.after.holds(h.id, e.relation, anchor.id) for h in hits)
    return Verdict(ok, f"new {want} {'is' if ok else 'is not'} {e.relation} the anchor")


def _expect(x: Expectations, e: dict, k: int) -> None:
    label, color = x.category(e["what"])
    x.objects[f"new{k}"] = Expect(f"new{k}", label, color, "relation",
                                  relation=(e["relation"], e["anchor"]),
                                  why=f"added {e['relation']} {e['anchor']}")


@op("add", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "add", "what": "a cat", "anchor": "o2", "relation": "left_of"},),
    order=40,
    lexicon=Lexicon(
        verbs=("add", "insert", "draw", "place", "put"),
        patterns=(r"\badd\b", r"\b(put|place|insert|draw)\s+(a|an|some|one|two|three)\b"),
        clause_verbs=("add", "put", "place")))
class AddEdit(EditBase):
    """Add a new object described by `what`, placed by `relation` to the `anchor` object."""
    op: Literal["add"] = "add"
    what: str = Field(min_length=1)
    anchor: str
    relation: Predicate
    id_fields: ClassVar[tuple[str, ...]] = ("anchor",)
    text_fields: ClassVar[tuple[str, ...]] = ("what",)
