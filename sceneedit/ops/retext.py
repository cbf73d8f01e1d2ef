"""``retext``: the words of a ``text`` object change, in the same box, angle and colour.

A ``text`` object comes from OCR (``perception.ocr.TextReader.annotate``: its polygon as mask,
the string in ``attributes["text"]``) or is given in the graph. Three bricks:

1. ``text_glyphs`` finds the ink inside the text's mask: the sign's colour is the median of the
   mask's border, the ink the pixels far from it;
2. ``inpaint`` erases that ink (the builder's fill; with generative bricks a diffusion pass
   refines it);
3. ``draw_text`` draws the new string with a TrueType font, centred in the text's rotated
   rectangle, as tall as the old ink, narrowed to fit its width, in the old ink's colour and at
   its angle (the rectangle edge closest to horizontal is the baseline: up to ±45°).

The footprint is the text's mask grown by the footprint margin. Verification reads the text back
(``Check.read_text``, OCR in the editor) and compares it, ignoring case and spaces.

Fonts: ``$SCENEEDIT_FONT``, else a bold sans (DejaVu, Liberation, Arial, FreeSans) in the usual
font folders, else matplotlib's bundled DejaVu Sans, else any TrueType font found there, else
Pillow's embedded FreeType font; with none of them compiling fails with what to install.
"""
from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
from pathlib import Path
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from ..bricks.registry import Port, PortType, brick
from ..errors import SceneEditError, ValidationError
from ..masks import dilate, erode
from .builder import Builder
from .checks import Check, Verdict
from .expect import Expectations
from .registry import EditBase, Lexicon, op

FONT_ENV = "SCENEEDIT_FONT"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/Library/Fonts", "/System/Library/Fonts", "C:/Windows/Fonts")
# Sans fonts by weight, the first found wins (the other weight's list is the fallback).
PREFERRED_FONTS = {
    True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "arialbd.ttf",
           "FreeSansBold.ttf"),
    False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "Arial.ttf", "arial.ttf",
            "FreeSans.ttf")}
# Stroke width / ink height above which the old text counts as bold. Measured: white DejaVu
# Sans Bold caps on a rendered sign 0.22; the regular lines of scikit-image's page() photo
# 0.12-0.15 (small, blurred print thickens strokes).
BOLD_STROKE = 0.17
TEXT_MAX = 60          # characters of a new text
FILL_WIDTH = 0.95      # the new string spans at most this much of the text's box width
INK_MIN_DELTA = 40.0   # RGB distance from the sign's colour that counts as ink, at least


class MissingFontError(SceneEditError):
    """No TrueType font to draw text with."""


@functools.lru_cache(maxsize=2)
def find_font(bold: bool = True) -> str | None:
    """A TrueType font file (of that weight if there is one), or None when only Pillow's
    embedded font is there (see ``load_font``). Raises ``MissingFontError`` when
    ``$SCENEEDIT_FONT`` names no file."""
    env = os.environ.get(FONT_ENV)
    if env:
        if not Path(env).is_file():
            raise MissingFontError(f"{FONT_ENV}={env}: no such font file")
        return env
    found: dict[str, Path] = {}
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.suffix.lower() == ".ttf":
                    found.setdefault(p.name, p)
    for name in PREFERRED_FONTS[bold] + PREFERRED_FONTS[not bold]:
        if name in found:
            return str(found[name])
    spec = importlib.util.find_spec("matplotlib")   # located, not imported
    if spec is not None and spec.origin:
        ttf = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf")[::1 if bold else -1]:
            if (ttf / name).is_file():
                return str(ttf / name)
    return str(min(found.values())) if found else None


def load_font(size: int, bold: bool = True):
    from PIL import ImageFont

    path = find_font(bold)
    if path is not None:
        return ImageFont.truetype(path, size)
    font = ImageFont.load_default(size)   # Pillow >= 10.1 embeds a FreeType font
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise MissingFontError(
            "retext needs a TrueType font and found none in " + ", ".join(FONT_DIRS)
            + f": install one (apt install fonts-dejavu-core, or pip install matplotlib), or "
            f"set {FONT_ENV}=/path/to/font.ttf")
    return font


def _colours(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sign colour, ink colour) inside ``mask``: the border's median, and the median of the
    pixels farthest from it."""
    border = mask & ~erode(mask, 2)
    bg = np.median(image[border if border.any() else mask].astype(float), axis=0)
    px = image[mask].astype(float)
    d = np.linalg.norm(px - bg, axis=1)
    ink = np.median(px[d >= np.percentile(d, 90)], axis=0)
    return bg, ink


def _ink(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    bg, ink = _colours(image, mask)
    d = np.linalg.norm(image.astype(float) - bg, axis=-1)
    return mask & (d >= max(INK_MIN_DELTA, 0.5 * float(np.linalg.norm(ink - bg))))


def _rectangle(mask: np.ndarray) -> tuple[tuple[float, float], float, float, float]:
    """((cx, cy), width, height, angle in degrees, clockwise on screen) of the mask's
    minimum-area rectangle, the baseline being its edge closest to horizontal."""
    import cv2

    ys, xs = np.nonzero(mask)
    rect = cv2.minAreaRect(np.stack([xs, ys], 1).astype(np.float32))
    p = cv2.boxPoints(rect)
    edges = [p[1] - p[0], p[2] - p[1]]
    angles = [math.degrees(math.atan2(float(e[1]), float(e[0]))) for e in edges]
    angles = [(a + 90) % 180 - 90 for a in angles]      # a line's direction: -90..90
    base = min((0, 1), key=lambda i: abs(angles[i]))
    width, height = (float(np.hypot(*edges[base])), float(np.hypot(*edges[1 - base])))
    return (float(rect[0][0]), float(rect[0][1])), width + 1, height + 1, angles[base]


@brick("text_glyphs", "The ink of the text inside `mask` (pixels far from the colour of the "
       "mask's border).",
       [Port("image", PortType.IMAGE), Port("mask", PortType.MASK, "the text's region")],
       [Port("mask", PortType.MASK)])
def text_glyphs(image, mask):
    return dilate(_ink(image, mask), 1) & dilate(mask, 2)


@brick("draw_text", "Draw `text` in the text region `mask` of `source`: same rotated box, "
       "angle, ink height and colour as the text there, onto `image` (where the old text was "
       "erased).",
       [Port("image", PortType.IMAGE, "the image to draw on"),
        Port("source", PortType.IMAGE, "the image with the old text (its colour, height)"),
        Port("mask", PortType.MASK, "the text's region"), Port("text", PortType.TEXT)],
       [Port("image", PortType.IMAGE)], changes_pixels=True)
def draw_text(image, source, mask, text):
    from PIL import Image, ImageDraw

    (cx, cy), width, height, angle = _rectangle(mask)
    _, ink_rgb = _colours(source, mask)
    ink = _ink(source, mask)
    # the old ink's height, across the baseline
    ys, xs = np.nonzero(ink if ink.any() else mask)
    t = math.radians(angle)
    across = -(xs - cx) * math.sin(t) + (ys - cy) * math.cos(t)
    want_h = max(4.0, float(np.percentile(across, 99) - np.percentile(across, 1)) + 1)
    # stroke width ~ 2 * area / outline length
    stroke = 2 * ink.sum() / max((ink & ~erode(ink, 1)).sum(), 1)
    bold = stroke / want_h >= BOLD_STROKE
    size = max(4, round(want_h))
    for _ in range(6):   # converge on the size whose ink is want_h tall and fits the width
        left, top, right, bottom = load_font(size, bold).getbbox(text)
        scale = min(want_h / max(bottom - top, 1), FILL_WIDTH * width / max(right - left, 1))
        if abs(scale - 1) < 0.03:
            break
        size = max(4, round(size * scale))
    font = load_font(size, bold)
    left, top, right, bottom = font.getbbox(text)
    side = int(math.ceil(math.hypot(right - left, bottom - top) + math.hypot(width, height))) + 4
    layer = Image.new("L", (side, side), 0)
    ImageDraw.Draw(layer).text((side / 2 - (left + right) / 2, side / 2 - (top + bottom) / 2),
                               text, fill=255, font=font)
    layer = layer.rotate(-angle, resample=Image.Resampling.BICUBIC, center=(side / 2, side / 2))
    alpha = np.zeros(mask.shape, float)
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    h, w = mask.shape
    a = np.asarray(layer, float) / 255.0
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    dx1, dy1 = min(w, x0 + side), min(h, y0 + side)
    alpha[dy0:dy1, dx0:dx1] = a[sy0:sy0 + dy1 - dy0, sx0:sx0 + dx1 - dx0]
    alpha *= dilate(mask, 2)
    out = image.astype(float) * (1 - alpha[..., None]) + ink_rgb * alpha[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _compile(b: Builder, e: "RetextEdit", seed: int) -> list:
    load_font(12)   # no font: fail now, with what to install, not half-way through a render
    m = b.mask(e.target)
    source = b.image
    glyphs = b.ref(b.add("text_glyphs", image=source, mask=m), "mask")
    erased = b.fill(glyphs, seed, f"the text {b.graph.get(e.target).attributes.get('text', '')}")
    b.image = b.ref(b.add("draw_text", image=erased, source=source, mask=m, text=e.text),
                    "image")
    return [m]


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def _verify(e: "RetextEdit", c: Check) -> Verdict:
    fp = c.footprint
    if c.read_text is not None and c.image_after is not None:
        readings = [(t, m) for t, m in c.read_text(c.image_after)
                    if m.any() and (m & fp).sum() >= 0.5 * m.sum()]
        read = " ".join(t for t, _ in sorted(readings, key=lambda r: np.nonzero(r[1])[1].min()))
    else:   # a perceiver that reads text put it in the graph
        texts = [o for o in c.after.objects if o.attributes.get("text") is not None
                 and (c.after.mask_of(o.id) & fp).sum() >= 0.5 * c.after.mask_of(o.id).sum()]
        if not texts and c.read_text is None:
            return Verdict(False, "retext needs a text reader (OCR) to verify")
        read = " ".join(str(o.attributes["text"]) for o in texts)
    ok = _normal(read) == _normal(e.text)
    return Verdict(ok, f"{e.target} reads {read!r}, wanted {e.text!r}")


def _expect(x: Expectations, e: dict, k: int) -> None:
    t = x.objects.get(e["target"])
    if t is not None:   # same place, label and colour; only the words change
        t.why = f"text {e['text']!r}"


@op("retext", compile=_compile, verify=_verify, expect=_expect, order=100,
    examples=({"op": "retext", "target": "o3", "text": "OPEN"},),
    lexicon=Lexicon(
        verbs=("rewrite", "retext", "reword"),
        patterns=(r"\b(?:text|writing|lettering|words?|caption)\b[\w ,'\"-]*"
                  r"\b(?:to|say|says|read|reads|into|with)\b",
                  r"\b(?:sign|label)\b[\w ,'\"-]*\b(?:say|says|read|reads)\b",
                  r"\b(?:rewrite|retext|reword)\b"),
        clause_verbs=("rewrite",),
        lead_verbs=("rewrite",),
        feedback_words=("text change",),
        # "replace the word CLOSED with OPEN" replaces no object
        overrides=("replace",),
        generic_words=("text", "writing", "lettering", "word", "words", "caption", "sign",
                       "signboard", "label")))
class RetextEdit(EditBase):
    """Change the words of a `text` object (the target) to `text`, drawn in the same box,
    angle and colour."""
    op: Literal["retext"] = "retext"
    target: str
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    id_fields: ClassVar[tuple[str, ...]] = ("target",)
    text_fields: ClassVar[tuple[str, ...]] = ("text",)
    target_labels: ClassVar[tuple[str, ...]] = ("text",)

    def check_meaningful(self, graph, where: str) -> None:
        obj = graph.get(self.target)
        old = obj.attributes.get("text")
        if obj.label not in self.target_labels and old is None:
            raise ValidationError(f"{where}.target", f"{self.target} ({obj.label}) is not a "
                                  "text object: retext changes the words of a 'text' object "
                                  "(OCR finds them: perception.ocr.TextReader)")
        if old is not None and _normal(str(old)) == _normal(self.text):
            raise ValidationError(f"{where}.text", f"{self.target} already reads {old!r}")
