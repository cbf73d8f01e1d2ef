"""What both original-package backends need: importing the package with a clear error, and
resolving a checkpoint file."""
from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

from ...errors import MissingWeightsError

INSTALL_HINT = ("install them in their own environment: python -m venv .venv-original && "
                ".venv-original/bin/pip install -c constraints/original.txt -e '.[original]' "
                "(they need torchvision and, for groundingdino-py, transformers < 5; see "
                "docs/perception.md)")


def require(module: str, dist: str) -> ModuleType:
    """Import ``module`` or raise naming the distribution to install and how."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingWeightsError(f"the original backend needs the {dist!r} package, which does "
                                  f"not import here ({exc}); {INSTALL_HINT}") from None


def checkpoint_file(spec: str | os.PathLike[str] | None, env_var: str, what: str,
                    fetch: str) -> Path:
    """The ``.pth`` file named by ``spec`` or ``env_var``; a clear error when it is absent."""
    text = os.fspath(spec) if spec else os.environ.get(env_var, "")
    if not text:
        raise MissingWeightsError(f"no {what} checkpoint given: pass its .pth path or set "
                                  f"{env_var}. Get it with {fetch}")
    path = Path(text).expanduser()
    if not path.is_file():
        raise MissingWeightsError(f"{what} checkpoint {text!r} is not a file on this machine. "
                                  f"Get it with {fetch}, then pass its path or set {env_var}")
    return path
