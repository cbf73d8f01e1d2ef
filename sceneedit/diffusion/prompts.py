"""The text each generative edit sends to the model. One place, so the wording is consistent
and a change to it is one edit (bump the bricks' version: it changes outputs)."""
from __future__ import annotations

QUALITY = "photo, realistic, natural lighting, high detail"
AVOID = "blurry, distorted, deformed, text, watermark, low quality"


def remove(removed: str) -> tuple[str, str]:
    """Fill with what would be behind the object; keep the object out."""
    neg = AVOID if removed in ("", "-") else f"{removed}, object, {AVOID}"
    return f"empty background, nothing there, seamless continuation of the surroundings, " \
           f"{QUALITY}", neg


def new_object(what: str) -> tuple[str, str]:
    return f"{what}, {QUALITY}", AVOID


def restyle(label: str, style: str) -> tuple[str, str]:
    return f"a {label} {style}, same shape, {QUALITY}", AVOID


def recolor(label: str, color: str) -> tuple[str, str]:
    return f"a {color} {label}, same shape and texture, {QUALITY}", AVOID
