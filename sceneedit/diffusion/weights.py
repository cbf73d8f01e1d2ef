"""Finding a diffusion model's weights on this machine, without downloading anything.

A model is named by a Hugging Face hub id (``org/name``: looked up in the local HF cache only)
or a local folder holding a diffusers pipeline (``model_index.json`` beside ``unet/``, ``vae/``
...): the ``diffusion`` entry of the one model table, resolved by ``sceneedit.weights``. When
neither is there, the error says what to download and where to put it.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..errors import MissingWeightsError
from ..weights import get_entry, missing_weights, resolve
from ..weights.hf import looks_like_repo_id


def missing_packages() -> list[str]:
    """The packages generation needs that are not installed (checked without importing)."""
    return [m for m in ("torch", "diffusers", "transformers")
            if importlib.util.find_spec(m) is None]


def locate_weights(model: str) -> Path:
    """The local folder of ``model``'s diffusers pipeline, or MissingWeightsError."""
    entry = get_entry("diffusion")
    missing = missing_packages()
    if missing:
        raise missing_weights(entry, f"generative bricks need {', '.join(missing)}, which "
                              f"{'is' if len(missing) == 1 else 'are'} not installed")
    found = resolve(entry, model)
    if found.path is None:
        raise missing_weights(entry, f"diffusion model {model!r} is not on this machine (not "
                              f"in the local Hugging Face cache)",
                              model if looks_like_repo_id(model) else None)
    return found.path


def pipeline_class_name(path: Path) -> str:
    """The pipeline class a saved diffusers folder declares (``_class_name``)."""
    try:
        return str(json.loads((path / "model_index.json").read_text())["_class_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise missing_weights(get_entry("diffusion"),
                              f"{path / 'model_index.json'} is unreadable ({exc})") from None


def unavailable_reason(model: str) -> str | None:
    """Why ``model`` cannot be used here, or None when its weights and packages are present."""
    try:
        locate_weights(model)
    except MissingWeightsError as exc:
        return str(exc)
    return None
