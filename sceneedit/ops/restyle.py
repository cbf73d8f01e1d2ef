"""``restyle``: the target's material or texture changes ("made of wood")."""
from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..errors import ValidationError
from ..imageops.restyle import resolve_style
from ..palette import COLOR_NAMES
from .builder import Builder
from .checks import Check, Verdict, at
from .expect import Expectations
from .registry import Batching, EditBase, Lexicon, op

RESTYLE_MIN_CHANGE = 10.0  # mean |delta| (0..255) inside the object a restyle must cause


def classical_style(style: str) -> bool:
    try:
        resolve_style(style)
        return True
    except ValidationError:
        return False


def _compile(b: Builder, e: "RestyleEdit", seed: int) -> list:
    m = b.mask(e.target)
    # the classical painter knows a few materials; diffusion takes any description and refines
    # the classical texture where there is one
    if not b.generative or classical_style(e.style):
        b.image = b.ref(b.add("restyle", image=b.image, mask=m, style=e.style, seed=seed),
                        "image")
    if b.generative:
        b.image = b.ref(b.gen("gen_restyle", seed, True, image=b.image, mask=m,
                              label=b.label(e.target), style=e.style), "image")
    return [m]


def _verify(e: "RestyleEdit", c: Check) -> Verdict:
    if c.image_before is None or c.image_after is None:
        return Verdict(False, "restyle needs the images to verify")
    m = c.before.mask_of(e.target)
    change = float(np.abs(c.image_after[m].astype(int) - c.image_before[m]).mean())
    hit = at(c.after, m)
    ok = change >= RESTYLE_MIN_CHANGE and hit is not None
    return Verdict(ok, f"mean pixel change {change:.1f} inside {e.target}; object still "
                   f"there: {hit is not None}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t = x.objects[e["target"]]
    t.color, t.why = None, f"restyled {e['style']}"


def _batch_key(b: Builder, e: "RestyleEdit") -> tuple | None:
    return (e.style, b.label(e.target)) if classical_style(e.style) else None


def _batch_generate(b: Builder, edits: list, seeds: list[int], union) -> str:
    first = edits[0]
    return b.gen("gen_restyle", seeds[0], True, image=b.image, mask=union,
                 label=b.label(first.target), style=first.style)


@op("restyle", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "restyle", "target": "o3", "style": "made of wood"},),
    order=80, copyable=True,
    batching=Batching(key=_batch_key, generate=_batch_generate),
    lexicon=Lexicon(
        verbs=("restyle", "texture"),
        patterns=(r"\b(made of|look like|looks like|style|texture|material)\b",
                  # "make the lamp look striped" (but "make it look red" is a recolour)
                  r"\blooks? (?!like\b)(?!(?:" + "|".join(COLOR_NAMES) + r")\b)[a-z]+"),
        feedback_words=("style change",),
        overrides=("recolor",)))   # "make it look like it is made of red brick"
class RestyleEdit(EditBase):
    """Change the target's material or texture (`style`, e.g. "made of wood")."""
    op: Literal["restyle"] = "restyle"
    target: str
    style: str = Field(min_length=1)
    id_fields: ClassVar[tuple[str, ...]] = ("target",)
    text_fields: ClassVar[tuple[str, ...]] = ("style",)

    def check_meaningful(self, graph, where: str) -> None:
        if self.style.strip().lower() in COLOR_NAMES:
            raise ValidationError(f"{where}.style", f"{self.style!r} is a colour, not a style: "
                                  "use recolor")
