"""The brick toolkit. Importing this package registers every built-in brick in ``REGISTRY``.

Classical bricks run on the CPU with no model weights; the generative (diffusers) bricks in
``generative`` register the same way, with ``device="any"`` (they run where the diffusion
runtime says) and their extras in ``requires``.
"""
from . import edit, generative, masks, segment  # noqa: F401  (registration on import)
from .registry import REGISTRY, BrickRegistry, BrickSpec, Port, PortType, brick
# An op module may declare the bricks only it uses (``sceneedit.ops``): importing the toolkit
# imports the ops, so those register too. Last: the ops import the bricks above.
from .. import ops  # noqa: E402,F401
# Domain plug-ins bring their own bricks (the synthetic domain's draw_object): last, they use
# the registry above.
from ..plugins import load_plugins  # noqa: E402

load_plugins()

__all__ = ["REGISTRY", "BrickRegistry", "BrickSpec", "Port", "PortType", "brick"]
