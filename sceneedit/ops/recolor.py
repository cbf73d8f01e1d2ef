"""``recolor``: the target takes a palette colour, keeping its shading and texture."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator

from ..errors import ValidationError
from ..palette import COLOR_NAMES, check_color
from .builder import Builder
from .checks import Check, Verdict, at, desc
from .expect import Expectations
from .registry import Batching, EditBase, Lexicon, op


def _compile(b: Builder, e: "RecolorEdit", seed: int) -> list:
    m = b.mask(e.target)
    b.image = b.ref(b.add("recolor", image=b.image, mask=m, color=e.color), "image")
    if b.generative:  # coarse-to-fine: the classical colour, then a partial denoise
        b.image = b.ref(b.gen("gen_recolor", seed, True, image=b.image, mask=m,
                              label=b.label(e.target), color=e.color), "image")
    return [m]


def _verify(e: "RecolorEdit", c: Check) -> Verdict:
    hit = at(c.after, c.before.mask_of(e.target), 0.8)
    ok = hit is not None and hit.color == e.color and \
        hit.label == c.before.get(e.target).label
    return Verdict(ok, f"{e.target} is now {desc(hit)}, wanted colour {e.color}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t = x.objects[e["target"]]
    t.color, t.why = e["color"], f"recoloured {e['color']}"


def _batch_generate(b: Builder, edits: list, seeds: list[int], union) -> str:
    first = edits[0]
    return b.gen("gen_recolor", seeds[0], True, image=b.image, mask=union,
                 label=b.label(first.target), color=first.color)


@op("recolor", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "recolor", "target": "o3", "color": "red"},),
    order=30, copyable=True,
    batching=Batching(key=lambda b, e: (e.color, b.label(e.target)),
                      generate=_batch_generate),
    lexicon=Lexicon(
        verbs=("paint", "recolor", "recolour", "color", "colour", "dye", "tint"),
        patterns=(r"\b(paint|recolou?r|colou?r)\b",
                  r"\b(make|turn|change)\b[\w ,'-]*\b(" + "|".join(COLOR_NAMES)
                  + r")\b(\W*$|,| like| instead| too| as well| again| so\b| because\b)"),
        clause_verbs=("make", "paint", "color", "colour"),
        lead_verbs=("make", "paint", "recolou?r", "colou?r"),
        feedback_words=("recolour", "repaint", "colour change", "color change")))
class RecolorEdit(EditBase):
    """Change the target's colour to a palette colour, keeping its shading and texture."""
    op: Literal["recolor"] = "recolor"
    target: str
    color: str
    id_fields: ClassVar[tuple[str, ...]] = ("target",)

    @field_validator("color")
    @classmethod
    def _color(cls, v: str) -> str:
        try:
            return check_color(v)
        except ValidationError:
            raise ValueError(f"unknown colour {v!r}") from None
