"""Edit ops, one module each, declared with ``@op`` (see ``registry``).

Importing this package imports every op module in it, which registers the op in
``OP_REGISTRY``; adding an op is adding one module here. Ops are core: they may import the scene,
bricks and workflow layers, never perception, reasoning, the editor or the synthetic domain.
"""
from __future__ import annotations

import importlib
import pkgutil

from .registry import OP_REGISTRY, Batching, EditBase, Lexicon, OpRegistry, OpSpec, op

# The modules of this package that hold the registry's machinery rather than an op.
_MACHINERY = frozenset({"registry", "builder", "checks", "expect"})

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _MACHINERY and not _module.startswith("_"):
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["OP_REGISTRY", "Batching", "EditBase", "Lexicon", "OpRegistry", "OpSpec", "op"]
