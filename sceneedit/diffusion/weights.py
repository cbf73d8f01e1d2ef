"""Finding a diffusion model's weights on this machine, without downloading anything.

A model is named by a Hugging Face hub id (``org/name``: looked up in the local HF cache only)
or a local folder holding a diffusers pipeline (``model_index.json`` beside ``unet/``, ``vae/``
...). When neither is there, the error says what to download and where to put it.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ..errors import MissingWeightsError
from ..render_config import DEFAULT_DIFFUSION_MODEL, MODEL_ENV

INSTALL_HINT = "pip install -c constraints/cpu.txt 'sceneedit[diffusion]'"
PIPELINE_FILES = "model_index.json with unet/ (or transformer/), vae/, text_encoder/, " \
                 "tokenizer/, scheduler/"


def looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or "\\" in model or model.count("/") != 1 \
        or Path(model).expanduser().exists()


def missing_packages() -> list[str]:
    """The packages generation needs that are not installed (checked without importing)."""
    return [m for m in ("torch", "diffusers", "transformers")
            if importlib.util.find_spec(m) is None]


def _where_to_put(model: str) -> str:
    return (f"Download it on a machine with internet access (`hf download {model}` puts it in "
            f"the Hugging Face cache, ~/.cache/huggingface/hub or $HF_HOME; copy that folder "
            f"here), or save a diffusers pipeline folder ({PIPELINE_FILES}) and point "
            f"`sceneedit render --weights PATH` (or --model PATH, or ${MODEL_ENV}) at it.")


def locate_weights(model: str) -> Path:
    """The local folder of ``model``'s diffusers pipeline, or MissingWeightsError."""
    missing = missing_packages()
    if missing:
        raise MissingWeightsError(f"generative bricks need {', '.join(missing)}: {INSTALL_HINT}")
    if looks_like_path(model):
        path = Path(model).expanduser()
        if not (path / "model_index.json").is_file():
            raise MissingWeightsError(
                f"no diffusers pipeline at {path} (expected {PIPELINE_FILES}). Save one with "
                f"`pipe.save_pretrained('{path}')`, or download one there with "
                f"`hf download {DEFAULT_DIFFUSION_MODEL} --local-dir {path}`.")
        return path
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = Path(snapshot_download(model, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        path = None
    if path is None or not (path / "model_index.json").is_file():
        raise MissingWeightsError(f"diffusion model {model!r} is not on this machine "
                                  f"(not in the local Hugging Face cache). {_where_to_put(model)}")
    return path


def pipeline_class_name(path: Path) -> str:
    """The pipeline class a saved diffusers folder declares (``_class_name``)."""
    try:
        return str(json.loads((path / "model_index.json").read_text())["_class_name"])
    except (OSError, ValueError, KeyError) as exc:
        raise MissingWeightsError(f"{path / 'model_index.json'} is unreadable ({exc}); "
                                  f"{_where_to_put(str(path))}") from None


def unavailable_reason(model: str) -> str | None:
    """Why ``model`` cannot be used here, or None when its weights and packages are present."""
    try:
        locate_weights(model)
    except MissingWeightsError as exc:
        return str(exc)
    return None
