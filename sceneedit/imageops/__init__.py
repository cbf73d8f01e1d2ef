"""Classical image operations behind the editing bricks (numpy + OpenCV only, no models).

Images are HxWx3 uint8 RGB arrays, masks HxW bool arrays. Every function is pure: it never
writes to its inputs, it is deterministic (explicit ``seed`` where randomness is used), and it
changes pixels only inside the region its docstring names (the mask, or the mask grown by a
documented ``feather``/margin; move/resize/swap return that region as ``changed_mask``).

* ``inpaint``   -- fill a region from its surroundings (``METHODS``: telea, ns, multiscale, auto)
* ``recolor``   -- palette colour change keeping shading (CIELAB)
* ``restyle``   -- material / pattern change (``STYLES``, ``resolve_style``)
* ``cut``, ``paste``, ``move_object``, ``resize_object``, ``swap_objects``
* ``composite``, ``preserve`` -- masked combination and the preservation invariant
"""
from .composite import composite, preserve
from .inpaint import METHODS, inpaint
from .paste import cut, move_object, paste, resize_object, swap_objects
from .recolor import recolor
from .restyle import STYLE_NAMES, STYLES, resolve_style, restyle

__all__ = [
    "METHODS", "STYLES", "STYLE_NAMES", "composite", "cut", "inpaint", "move_object", "paste",
    "preserve", "recolor", "resize_object", "resolve_style", "restyle", "swap_objects",
]
