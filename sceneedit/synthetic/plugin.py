"""The synthetic scene domain as a sceneedit plug-in (entry point ``sceneedit.plugins``): its
``draw_object`` brick, which draws a described object (e.g. "a red apple") into a box, and its
reader of new-object phrases. Generative bricks take the brick's role for photos; the synthetic
domain lets every op run and be checked on a CPU with no weights."""
from __future__ import annotations

from ..bricks.registry import Port, PortType, brick, seed_port
from ..plugins import register_phrase_reader


@brick("draw_object", "Draw a new object described in plain words (synthetic domain: a "
       "category such as 'apple', 'lamp', 'mug', optionally with a colour) fitted into `box`. "
       "Returns the object's mask.",
       [Port("image", PortType.IMAGE), Port("what", PortType.TEXT, "e.g. 'a red apple'"),
        Port("box", PortType.BOX), seed_port()],
       [Port("image", PortType.IMAGE), Port("mask", PortType.MASK)], changes_pixels=True)
def draw_object(image, what, box, seed):
    from .draw import draw_object as draw, parse_object_phrase

    category, color = parse_object_phrase(what)
    out, mask = draw(image, category, color, box, rng=int(seed))
    return {"image": out, "mask": mask}


@register_phrase_reader
def _read_object_phrase(what: str) -> tuple[str, str | None]:
    from .draw import parse_object_phrase

    return parse_object_phrase(what)
