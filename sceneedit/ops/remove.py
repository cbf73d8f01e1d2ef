"""``remove``: the object goes, the background behind it is filled in."""
from __future__ import annotations

from typing import ClassVar, Literal

from .builder import INPAINT_GROW, Builder
from .checks import Check, Verdict, at, desc
from .expect import Expectations
from .registry import Batching, EditBase, Lexicon, op


def _compile(b: Builder, e: "RemoveEdit", seed: int) -> list:
    m = b.mask(e.target)
    b.image = b.fill(m, seed, b.label(e.target))
    b.masks.pop(e.target)
    b.removed.add(e.target)
    return [m]


def _verify(e: "RemoveEdit", c: Check) -> Verdict:
    hit = at(c.after, c.before.mask_of(e.target))
    return Verdict(hit is None, f"{e.target} gone" if hit is None else
                   f"{e.target} still there: {desc(hit)}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    x.objects.pop(e.get("target"), None)


def _batch_generate(b: Builder, edits: list, seeds: list[int], union) -> str:
    labels = ", ".join(dict.fromkeys(b.label(e.target) for e in edits))
    return b.gen("gen_inpaint", seeds[0], True, image=b.image, mask=b.grow(union, INPAINT_GROW),
                 removed=labels)


@op("remove", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "remove", "target": "o3"},),
    order=10, copyable=True,
    batching=Batching(key=lambda b, e: (), generate=_batch_generate),
    lexicon=Lexicon(
        verbs=("remove", "delete", "erase", "eliminate", "get rid", "take away", "take out",
               "take off", "clear"),
        patterns=(r"\b(remove|delete|erase|get rid of|take away|take out|eliminate)\b",
                  r"\btake (the|that|this|it)\b.*\b(off|out|away)\b"),
        clause_verbs=("remove", "delete", "erase", "take"),
        lead_verbs=("remove", "delete", "erase", "get rid of", "take"),
        feedback_words=("delete", "erase")))
class RemoveEdit(EditBase):
    """Remove the target object; the background behind it is filled in."""
    op: Literal["remove"] = "remove"
    target: str
    id_fields: ClassVar[tuple[str, ...]] = ("target",)
