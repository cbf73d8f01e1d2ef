"""``replace``: a new object (described) or a copy of another object where the target stood."""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from ..errors import ValidationError
from ..palette import COLOR_NAMES
from .builder import Builder
from .checks import Check, Verdict, covering, desc
from .expect import Expect, Expectations
from .registry import EditBase, Lexicon, op


def _compile(b: Builder, e: "ReplaceEdit", seed: int) -> list:
    m, box = b.mask(e.target), b.box(e.target)
    # a generated replacement covers the whole box: the classical fill only clears the rim
    background = b.fill(m, seed, b.label(e.target), refine=e.source is not None)
    if e.source is not None:
        new_image, new_mask = b.paste(background, b.mask(e.source), box)
    elif b.generative:
        region = b.ref(b.add("box_to_mask", box=box, image=background), "mask")
        n = b.gen("gen_replace", seed, False, image=background, mask=region, what=e.with_)
        new_image, new_mask = b.ref(n, "image"), b.ref(n, "mask")
    else:
        new_image, new_mask = b.draw(background, e.with_, box, seed)
    b.image, b.masks[e.target] = new_image, new_mask
    return [m, new_mask]


def _verify(e: "ReplaceEdit", c: Check) -> Verdict:
    hits = covering(c.after, c.footprint)
    if e.source is not None:
        want, color = c.before.get(e.source).label, c.before.get(e.source).color
    else:
        want, color = c.category(e.with_)
    ok = any(h.label == want and (color is None or h.color == color) for h in hits)
    return Verdict(ok, f"at {e.target}'s place: {', '.join(map(desc, hits)) or 'nothing'};"
                   f" wanted {want}{f' ({color})' if color else ''}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t = e["target"]
    if e.get("source"):
        src = x.truth.get(e["source"])
        label, color = src.label, src.color
    else:
        label, color = x.category(e["with"])
    x.objects[t] = Expect(t, label, color, "near", box=x.objects[t].box, why="replacement")


def _words(text: str) -> str:
    return " ".join(w for w in text.lower().replace("-", " ").split()
                    if w not in ("a", "an", "the", "new", "another"))


@op("replace", compile=_compile, verify=_verify, expect=_expect,
    examples=({"op": "replace", "target": "o3", "with": "floor lamp"},
              {"op": "replace", "target": "o3", "source": "o7"}),
    order=20, copyable=True,
    lexicon=Lexicon(
        verbs=("replace", "swap for", "exchange for", "substitute", "turn into", "change into",
               "transform"),
        patterns=(r"\breplace\b", r"\b(turn|change) (it|them|the [\w ]+) into\b",
                  r"\bswap (the|it|them)\b[\w ]* for (a|an)\b"),
        clause_verbs=("replace", "turn", "change"),
        lead_verbs=("replace", "turn", "change"),
        # "replace X with a red Y" names a colour but is no recolour
        overrides=("recolor",)))
class ReplaceEdit(EditBase):
    """Replace the target with a new object described by `with`, or with a copy of `source`,
    an object already in the image. Exactly one of `with` / `source`."""
    op: Literal["replace"] = "replace"
    target: str
    with_: str | None = Field(default=None, alias="with", min_length=1)
    source: str | None = None
    id_fields: ClassVar[tuple[str, ...]] = ("target", "source")
    text_fields: ClassVar[tuple[str, ...]] = ("with",)
    exclusive: ClassVar[tuple[str, ...]] = ("with", "source")

    @model_validator(mode="after")
    def _one_of(self) -> "ReplaceEdit":
        if (self.with_ is None) == (self.source is None):
            raise ValueError("replace needs exactly one of 'with' (a description) or 'source' "
                             "(an object id)")
        return self

    def check_meaningful(self, graph, where: str) -> None:
        if self.with_ is None:
            return
        text = _words(self.with_)
        # "orange" is a colour, "an orange" a fruit: only a bare colour name is a colour
        if self.with_.strip().lower() in COLOR_NAMES:
            raise ValidationError(f"{where}.with", f"{self.with_!r} is a colour, not an object: "
                                  "to change a colour use recolor")
        if text == _words(graph.get(self.target).label):
            raise ValidationError(f"{where}.with", f"replacing {self.target} "
                                  f"({graph.get(self.target).label}) with {self.with_!r} changes "
                                  "nothing: to change its colour use recolor, its material "
                                  "restyle")
