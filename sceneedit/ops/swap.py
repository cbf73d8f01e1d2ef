"""``swap``: two objects trade places, each keeping its own size."""
from __future__ import annotations

from typing import ClassVar, Literal

from .builder import Builder
from .checks import Check, Verdict, at, desc
from .expect import Expect, Expectations
from .registry import EditBase, Lexicon, op


def _compile(b: Builder, e: "SwapEdit", seed: int) -> list:
    ma, mb = b.mask(e.target), b.mask(e.other)
    box_a, box_b = b.box(e.target), b.box(e.other)
    both = b.union(ma, mb)
    onto = b.fill(both, seed, f"{b.label(e.target)}, {b.label(e.other)}")
    # each keeps its own size, standing where the other stood
    onto, new_a = b.paste(onto, ma, box_b, fit="keep")
    onto, new_b = b.paste(onto, mb, box_a, fit="keep")
    b.image = onto
    b.masks[e.target], b.masks[e.other] = new_a, new_b
    b.boxes[e.target], b.boxes[e.other] = box_b, box_a
    return [both, new_a, new_b]


def _verify(e: "SwapEdit", c: Check) -> Verdict:
    a, b = c.before.get(e.target), c.before.get(e.other)
    at_a = at(c.after, c.before.mask_of(e.target), 0.3)
    at_b = at(c.after, c.before.mask_of(e.other), 0.3)
    ok = at_a is not None and at_b is not None and at_a.label == b.label and \
        at_b.label == a.label
    return Verdict(ok, f"{e.target}'s place holds {desc(at_a)}, {e.other}'s place "
                   f"holds {desc(at_b)}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t, o = e["target"], e["other"]
    a, b = x.objects[t], x.objects[o]
    x.objects[t] = Expect(t, b.label, b.color, "near", box=a.box, why="swapped in")
    x.objects[o] = Expect(o, a.label, a.color, "near", box=b.box, why="swapped in")


@op("swap", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "swap", "target": "o3", "other": "o5"},),
    order=70,
    lexicon=Lexicon(
        verbs=("swap", "switch", "exchange"),
        patterns=(r"\b(swap|switch|exchange)\b(?![\w ]* for (a|an)\b)",),
        clause_verbs=("swap", "switch"),
        lead_verbs=("swap",),
        overrides=("recolor",),
        # "swap X for a Y" is a replacement, not an exchange of two objects
        unless=r"\bswap\b[\w ]* for (a|an)\b"))
class SwapEdit(EditBase):
    """Exchange the places of the target and `other`."""
    op: Literal["swap"] = "swap"
    target: str
    other: str
    id_fields: ClassVar[tuple[str, ...]] = ("target", "other")
