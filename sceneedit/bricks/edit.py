"""Classical pixel-editing bricks (CPU, no weights). The image operations live in
``sceneedit.imageops``; these declarations make them workflow bricks."""
from __future__ import annotations

from ..imageops.composite import composite as composite_images
from ..imageops.inpaint import METHODS as INPAINT_METHODS, inpaint as inpaint_image
from ..imageops.paste import cut, paste, placed_box
from ..imageops.recolor import recolor as recolor_image
from ..imageops.restyle import STYLES, restyle as restyle_image
from ..palette import COLOR_NAMES
from .masks import radius_port
from .registry import Port, PortType, brick, seed_port

IMAGE, MASK, BOX, NUMBER, TEXT = (PortType.IMAGE, PortType.MASK, PortType.BOX, PortType.NUMBER,
                                  PortType.TEXT)


@brick("inpaint", "Fill the masked region with plausible background (classical: OpenCV "
       "Telea / Navier-Stokes, or a multi-scale patch fill for large holes).",
       [Port("image", IMAGE), Port("mask", MASK, "the region to fill"),
        Port("method", TEXT, "auto picks by hole size", default="auto", choices=INPAINT_METHODS)],
       [Port("image", IMAGE)], changes_pixels=True)
def inpaint(image, mask, method):
    return inpaint_image(image, mask, method=method)


@brick("recolor", "Change the colour of the masked object to a palette colour, keeping its "
       "shading and texture (CIELAB transfer).",
       [Port("image", IMAGE), Port("mask", MASK), Port("color", PortType.COLOR,
                                                        f"one of {', '.join(COLOR_NAMES)}")],
       [Port("image", IMAGE)], changes_pixels=True)
def recolor(image, mask, color):
    return recolor_image(image, mask, color)


@brick("restyle", "Change the masked object's material or texture (e.g. 'made of wood', "
       "'striped'), keeping its silhouette and shading.",
       [Port("image", IMAGE), Port("mask", MASK),
        Port("style", TEXT, f"free text naming one of: {', '.join(STYLES)}"),
        seed_port()],
       [Port("image", IMAGE)], changes_pixels=True)
def restyle(image, mask, style, seed):
    return restyle_image(image, mask, style, seed=int(seed))


PASTE_FITS: tuple[str, ...] = ("fit", "keep")


@brick("paste_object", "Copy the object under `source_mask` from `source` onto `image`, "
       "standing on the bottom centre of `box`: scaled to fit the box (`fit`) or at its own "
       "size (`keep`). Returns the pasted mask.",
       [Port("image", IMAGE, "the image to paste onto"), Port("source", IMAGE),
        Port("source_mask", MASK), Port("box", BOX, "where the object goes"),
        Port("fit", TEXT, default="fit", choices=PASTE_FITS)],
       [Port("image", IMAGE), Port("mask", MASK)], changes_pixels=True)
def paste_object(image, source, source_mask, box, fit):
    patch, patch_mask, _ = cut(source, source_mask)
    ph, pw = patch_mask.shape
    x0, y0, x1, y1 = box
    s = min((x1 - x0) / pw, (y1 - y0) / ph) if fit == "fit" else 1.0
    target = placed_box((pw * s, ph * s), box, "bottom")
    out, mask = paste(image, patch, patch_mask, target)
    return {"image": out, "mask": mask}


@brick("composite", "Take `overlay` inside `mask` and `base` elsewhere (with an optional soft "
       "edge of `feather` pixels inside the mask's dilation).",
       [Port("base", IMAGE), Port("overlay", IMAGE), Port("mask", MASK),
        radius_port("feather", "soft edge, pixels", default=0)],
       [Port("image", IMAGE)], changes_pixels=True)
def composite(base, overlay, mask, feather):
    return composite_images(base, overlay, mask, feather=int(feather))
