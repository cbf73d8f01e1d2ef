"""``background``: everything but the objects changes; the objects stay byte for byte.

The region is everything outside the union of the objects' masks (those in the image after the
plan's earlier edits) grown by ``FOOTPRINT_MARGIN``: that region is the footprint itself (no
further margin), so no object pixel, nor the blend ring around it, can change. What fills it:

* an image the user gives (``--background FILE``, ``RenderConfig.files["background"]``),
  scaled to cover the picture;
* a palette colour ("plain white") or a two-colour vertical gradient ("a gradient from blue to
  white"): classical, exact, also when generative bricks are on;
* any other description ("a beach") with generative bricks: diffusion inpaints the region from
  the text (``gen_replace``). Classically there is no way to paint a beach: a clear error says
  what to give instead.
"""
from __future__ import annotations

import re
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..bricks.registry import Port, PortType, brick
from ..errors import ValidationError
from ..palette import COLOR_NAMES, PALETTE
from .builder import FOOTPRINT_MARGIN, Builder
from .checks import Check, Verdict, at
from .expect import Expectations
from .registry import EditBase, Lexicon, op

FILE_KEY = "background"            # RenderConfig.files key (--background FILE)
MIN_CHANGE = 10.0                  # mean |delta| (0..255) the background must change by
# Words that may surround the colour names of a classical fill ("a plain white background",
# "a gradient from blue to white"); any other word needs diffusion or an image.
_FILL_WORDS = frozenset("""a an the plain solid simple flat pure uniform just all color colour
colored coloured background backdrop gradient from to and into fading fade of with""".split())


@brick("fill_background", "Fill the masked region with a palette colour, or a vertical "
       "gradient from `top` to `bottom` (equal: a solid colour).",
       [Port("image", PortType.IMAGE), Port("mask", PortType.MASK, "the region to fill"),
        Port("top", PortType.COLOR), Port("bottom", PortType.COLOR)],
       [Port("image", PortType.IMAGE)], changes_pixels=True)
def fill_background(image, mask, top, bottom):
    t = np.asarray(PALETTE[top], float)
    w = np.linspace(0.0, 1.0, image.shape[0])[:, None]
    rows = np.rint(t * (1 - w) + np.asarray(PALETTE[bottom], float) * w).astype(np.uint8)
    out = image.copy()
    out[mask] = np.broadcast_to(rows[:, None, :], image.shape)[mask]
    return out


@brick("fill_background_image", "Fill the masked region with an image file, scaled to cover "
       "the picture (centre crop).",
       [Port("image", PortType.IMAGE), Port("mask", PortType.MASK, "the region to fill"),
        Port("path", PortType.TEXT, "the image file")],
       [Port("image", PortType.IMAGE)], changes_pixels=True)
def fill_background_image(image, mask, path):
    from PIL import Image

    from ..io import load_image

    src = load_image(path)
    h, w = image.shape[:2]
    scale = max(w / src.shape[1], h / src.shape[0])
    size = (max(w, round(src.shape[1] * scale)), max(h, round(src.shape[0] * scale)))
    big = np.asarray(Image.fromarray(src).resize(size, Image.Resampling.LANCZOS))
    y0, x0 = (big.shape[0] - h) // 2, (big.shape[1] - w) // 2
    out = image.copy()
    out[mask] = big[y0:y0 + h, x0:x0 + w][mask]
    return out


def classical_fill(to: str) -> tuple[str, str] | None:
    """(top, bottom) palette colours when ``to`` is a colour or a two-colour gradient."""
    words = re.findall(r"[a-z]+", to.lower().replace("grey", "gray"))
    colours = [w for w in words if w in COLOR_NAMES]
    if not colours or len(colours) > 2 or any(w not in COLOR_NAMES and w not in _FILL_WORDS
                                              for w in words):
        return None
    return colours[0], colours[-1]


def _region(b: Builder):
    """Everything outside the objects' masks grown by the footprint margin."""
    objects = b.present()
    if not objects:
        h, w = b.graph.image.height, b.graph.image.width
        return b.ref(b.add("box_to_mask", box=[0.0, 0.0, float(w), float(h)], image=b.image),
                     "mask")
    grown = b.grow(b.union(*objects), FOOTPRINT_MARGIN)
    return b.ref(b.add("mask_invert", mask=grown), "mask")


def _compile(b: Builder, e: "BackgroundEdit", seed: int) -> list:
    region = _region(b)
    path = (b.render.files if b.render is not None else {}).get(FILE_KEY)
    colours = classical_fill(e.to)
    if path:
        n = b.add("fill_background_image", image=b.image, mask=region, path=str(path))
    elif colours is not None:
        n = b.add("fill_background", image=b.image, mask=region, top=colours[0],
                  bottom=colours[1])
    elif b.generative:
        n = b.gen("gen_replace", seed, False, image=b.image, mask=region, what=e.to)
    else:
        raise ValidationError(f"{b.where}.to", f"a background of {e.to!r} needs diffusion "
                              "weights (--bricks generative) or an image (--background FILE); "
                              "classical bricks fill a palette colour or a two-colour gradient",
                              COLOR_NAMES)
    b.image = b.ref(n, "image")
    return [region]


def _verify(e: "BackgroundEdit", c: Check) -> Verdict:
    if c.image_before is None or c.image_after is None:
        return Verdict(False, "background needs the images to verify")
    fp = c.footprint
    change = float(np.abs(c.image_after[fp].astype(int) - c.image_before[fp]).mean()) \
        if fp.any() else 0.0
    touched = [o.id for o in c.before.objects if (c.before.mask_of(o.id) & fp).any()]
    kept = [o.id for o in c.before.objects if at(c.after, c.before.mask_of(o.id)) is not None]
    ok = change >= MIN_CHANGE and not touched and len(kept) == len(c.before.objects)
    return Verdict(ok, f"background mean change {change:.1f}; objects inside the footprint: "
                   f"{touched or 'none'}; objects still there: {len(kept)}/"
                   f"{len(c.before.objects)}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    """Every object stays as it is: nothing to update."""


@op("background", compile=_compile, verify=_verify, expect=_expect, order=90,
    examples=({"op": "background", "to": "plain white"},
              {"op": "background", "to": "a gradient from blue to white"}),
    footprint_margin=0,
    lexicon=Lexicon(
        # the background is what the verb acts on: "change the background to ...", "make the
        # background plain white"; not "replace the background bench with ..."
        patterns=(r"\b(?:change|make|replace|turn|set|paint|swap|switch|use|give|fill)\s+"
                  r"(?:(?:the|its|this|a|an|current|whole|entire|image's|picture's|photo's)\s+)*"
                  r"background(?=\s+(?:to|into|with|for|as|plain|solid|pure|"
                  r"simple|completely|entirely|all|just|only|" + "|".join(COLOR_NAMES)
                  + r")\b|\s*(?:[.,;!?]|$))", r"\bnew background\b"),
        feedback_words=("background change",),
        # "make the background white" asks for no recolour of an object
        overrides=("recolor", "replace", "restyle")))
class BackgroundEdit(EditBase):
    """Change the background (everything but the objects) to `to`: a colour ("plain white"),
    a gradient ("a gradient from blue to white") or a scene ("a beach"). Objects stay as they
    are."""
    op: Literal["background"] = "background"
    to: str = Field(min_length=1)
    text_fields: ClassVar[tuple[str, ...]] = ("to",)
