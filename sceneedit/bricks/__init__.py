"""The brick toolkit. Importing this package registers every built-in brick in ``REGISTRY``.

Built-in bricks run on the CPU with no model weights; generative (diffusers) bricks register
themselves the same way, with ``device="cuda"`` and their extras in ``requires``.
"""
from . import draw, edit, generative, masks, segment  # noqa: F401  (registration on import)
from .registry import REGISTRY, BrickRegistry, BrickSpec, Port, PortType, brick

__all__ = ["REGISTRY", "BrickRegistry", "BrickSpec", "Port", "PortType", "brick"]
