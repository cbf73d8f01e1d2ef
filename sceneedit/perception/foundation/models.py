"""Where the foundation perception models come from, and loading each of them once.

``MODEL_KINDS`` is the one declaration of the perception models sceneedit knows: their default
Hugging Face id, the environment variable that points at a local copy, and the transformers
class that loads them. Everything else (the CLI's choices, ``sceneedit models``, the
missing-weights message) reads it.

A model spec is resolved in this order: the explicit spec (``--detector-model`` etc.), else the
kind's environment variable, else its default id. A spec is
- a local directory in the transformers layout (``config.json``, weights, processor files — what
  ``save_pretrained`` writes for the model and its processor together), or a weights file inside
  such a directory;
- otherwise a Hugging Face id ``ORG/NAME``, read from the local Hugging Face cache only
  (``local_files_only``) when ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE`` is set, downloaded into
  that cache otherwise.

Loaded models are shared process-wide, keyed by (kind, resolved source, device, dtype): two
detectors built from the same checkpoint hold the same weights in memory.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InvalidInputError, MissingWeightsError
from ...hub import hf_cache_dir

log = logging.getLogger(__name__)

ENV_DEVICE = "SCENEEDIT_DEVICE"
DTYPES = ("float32", "float16", "bfloat16")
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ModelKind:
    """One kind of perception model; declared once in ``MODEL_KINDS``."""

    name: str            # the CLI's name for it: --detector grounding-dino
    role: str            # "detector" or "segmenter"
    description: str
    default_id: str      # Hugging Face id used when nothing else is configured
    env_var: str         # points at a local directory (or another id)
    model_types: tuple[str, ...]  # accepted config.json "model_type" values
    model_class: str     # transformers class that loads the weights
    option: str          # the CLI option that takes a spec
    licence: str

    def fetch_hint(self, repo_id: str | None = None) -> str:
        repo = repo_id or self.default_id
        return (f"`hf download {repo} --local-dir DIR` (the `hf` command comes with "
                f"`pip install huggingface_hub`) on a machine with access to "
                f"huggingface.co, then pass {self.option} DIR or set {self.env_var}=DIR "
                f"(or `hf download {repo}` into the Hugging Face cache {hf_cache_dir()})")


MODEL_KINDS: dict[str, ModelKind] = {
    k.name: k
    for k in (
        ModelKind(
            name="grounding-dino", role="detector",
            description="Grounding DINO detector (transformers)",
            default_id="IDEA-Research/grounding-dino-tiny",
            env_var="SCENEEDIT_GROUNDING_DINO_MODEL", model_types=("grounding-dino",),
            model_class="AutoModelForZeroShotObjectDetection", option="--detector-model",
            licence="Apache-2.0"),
        ModelKind(
            name="owlv2", role="detector",
            description="OWLv2 detector (transformers)",
            default_id="google/owlv2-base-patch16-ensemble",
            env_var="SCENEEDIT_OWLV2_MODEL", model_types=("owlv2",),
            model_class="AutoModelForZeroShotObjectDetection", option="--detector-model",
            licence="Apache-2.0"),
        ModelKind(
            name="sam", role="segmenter",
            description="SAM segmenter (transformers)",
            default_id="facebook/sam-vit-base",
            env_var="SCENEEDIT_SAM_MODEL", model_types=("sam",),
            model_class="SamModel", option="--segmenter-model", licence="Apache-2.0"),
    )
}


def get_kind(name: str) -> ModelKind:
    try:
        return MODEL_KINDS[name]
    except KeyError:
        from ...errors import ValidationError

        raise ValidationError("model kind", f"unknown perception model {name!r}",
                              MODEL_KINDS) from None


# ---------------------------------------------------------------------------------------------
# Resolution of a spec to a local directory or a Hugging Face id


def hf_offline() -> bool:
    return any(os.environ.get(v, "").strip().lower() in _TRUE
               for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


@dataclass(frozen=True)
class ModelSource:
    """A resolved spec: a local checkpoint directory, or a Hugging Face id."""

    kind: str
    spec: str            # as given (or taken from the environment / the default)
    origin: str          # "option", "env" or "default"
    local_dir: Path | None = None
    repo_id: str | None = None

    @property
    def key(self) -> str:
        return str(self.local_dir) if self.local_dir is not None else f"hf:{self.repo_id}"


def _looks_like_repo_id(spec: str) -> bool:
    parts = spec.split("/")
    return (len(parts) == 2 and all(parts) and not spec.startswith((".", "~"))
            and all(c.isalnum() or c in "-_." for c in spec.replace("/", "")))


def resolve_source(kind: str, spec: str | os.PathLike[str] | None = None) -> ModelSource:
    """Which checkpoint ``spec`` (or the environment, or the default) names; checks that a local
    one has the transformers layout. Never downloads."""
    k = get_kind(kind)
    if spec is not None and str(spec).strip():
        origin, text = "option", os.fspath(spec).strip()
    elif os.environ.get(k.env_var, "").strip():
        origin, text = "env", os.environ[k.env_var].strip()
    else:
        origin, text = "default", k.default_id
    path = Path(text).expanduser()
    if path.exists():
        if path.is_file():
            if path.suffix in (".pth", ".pt", ".ckpt"):
                raise InvalidInputError(
                    f"{k.name} model {text!r} is an original PyTorch checkpoint; this backend "
                    f"loads the transformers layout (a directory with config.json, weights and "
                    f"processor files). {k.fetch_hint()}")
            path = path.parent  # e.g. DIR/model.safetensors: the checkpoint is DIR
        if not (path / "config.json").is_file():
            raise MissingWeightsError(
                f"{k.name} model directory {str(path)!r} has no config.json: it is not a "
                f"checkpoint in the transformers layout (what save_pretrained writes for the "
                f"model and its processor). Get one with {k.fetch_hint()}.")
        return ModelSource(k.name, text, origin, local_dir=path.resolve())
    if _looks_like_repo_id(text):
        return ModelSource(k.name, text, origin, repo_id=text)
    where = {"option": k.option, "env": f"${k.env_var}", "default": "the default"}[origin]
    raise MissingWeightsError(
        f"{k.name} model {text!r} (from {where}) is not a directory on this machine, nor a "
        f"Hugging Face id ORG/NAME. Get {k.default_id} with {k.fetch_hint()}.")


def cached_snapshot(repo_id: str) -> Path | None:
    """The local snapshot directory of ``repo_id`` in the Hugging Face cache, if its config is
    there (no network)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "config.json")
    return Path(found).parent if isinstance(found, str) else None


# ---------------------------------------------------------------------------------------------
# Device and dtype


def resolve_device(device: str | None = None) -> str:
    """``device``, else $SCENEEDIT_DEVICE, else ``cuda`` when available, else ``cpu``."""
    import torch

    device = (device or os.environ.get(ENV_DEVICE, "") or "").strip().lower() or None
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidInputError(f"device {device!r} was asked for but torch sees no CUDA device "
                                "(use --device cpu)")
    if device.split(":")[0] not in ("cpu", "cuda", "mps"):
        from ...errors import ValidationError

        raise ValidationError("device", f"unknown device {device!r}", ("cpu", "cuda", "mps"))
    return device


def resolve_dtype(dtype: str | None, device: str) -> str:
    """float32 on the CPU (half precision is slow or unsupported there); on a GPU bfloat16 where
    supported, else float16. An explicit ``dtype`` wins."""
    if dtype:
        if dtype not in DTYPES:
            from ...errors import ValidationError

            raise ValidationError("dtype", f"unknown dtype {dtype!r}", DTYPES)
        return dtype
    if device.startswith("cuda"):
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float32"


# ---------------------------------------------------------------------------------------------
# Loading, once per process


@dataclass
class LoadedModel:
    kind: str
    source: ModelSource
    model: Any
    processor: Any
    device: str
    dtype: str

    @property
    def torch_dtype(self):
        import torch

        return getattr(torch, self.dtype)


_CACHE: dict[tuple[str, str, str, str], LoadedModel] = {}
_LOCK = threading.Lock()
load_calls = 0  # how many times weights were actually read (tests check sharing)


def _from_pretrained(k: ModelKind, src: ModelSource, device: str, dtype: str) -> LoadedModel:
    import torch
    import transformers

    where = str(src.local_dir) if src.local_dir is not None else src.repo_id
    local_only = src.local_dir is not None or hf_offline()
    try:
        config = transformers.AutoConfig.from_pretrained(where, local_files_only=local_only)
    except OSError as exc:
        if src.local_dir is not None:
            raise InvalidInputError(f"{k.name} model {where}: unreadable config.json ({exc})") \
                from None
        raise _not_found(k, src, None if local_only else exc) from None
    if config.model_type not in k.model_types:
        raise InvalidInputError(
            f"{where} holds a {config.model_type!r} model, but {k.name} needs "
            f"{' or '.join(k.model_types)} (check {k.option} / ${k.env_var})")
    try:
        processor = transformers.AutoProcessor.from_pretrained(where, local_files_only=local_only)
        model = getattr(transformers, k.model_class).from_pretrained(
            where, local_files_only=local_only, dtype=getattr(torch, dtype))
    except OSError as exc:
        raise MissingWeightsError(
            f"{k.name} checkpoint {where} is incomplete ({exc}). A checkpoint needs the "
            f"weights and the processor files next to config.json; get a complete one with "
            f"{k.fetch_hint(src.repo_id)}.") from None
    model = model.to(device).eval()
    return LoadedModel(k.name, src, model, processor, device, dtype)


def _not_found(k: ModelKind, src: ModelSource, exc: Exception | None) -> MissingWeightsError:
    state = ("is not in the Hugging Face cache and offline mode (HF_HUB_OFFLINE) is set"
             if exc is None else f"could not be downloaded ({exc.__class__.__name__})")
    return MissingWeightsError(
        f"no weights for the {k.description}: {src.repo_id!r} {state}. Get them with "
        f"{k.fetch_hint(src.repo_id)}.")


def load_model(kind: str, spec: str | os.PathLike[str] | None = None, *,
               device: str | None = None, dtype: str | None = None) -> LoadedModel:
    """The model and processor of ``kind`` named by ``spec`` (see the module docstring), loaded
    on first use and shared afterwards."""
    global load_calls
    src = resolve_source(kind, spec)
    if src.repo_id is not None and hf_offline() and cached_snapshot(src.repo_id) is None:
        # Known to be absent: say so before spending seconds importing torch.
        raise _not_found(MODEL_KINDS[src.kind], src, None)
    dev = resolve_device(device)
    dt = resolve_dtype(dtype, dev)
    key = (src.kind, src.key, dev, dt)
    with _LOCK:
        if key not in _CACHE:
            log.info("loading %s from %s on %s (%s)", kind, src.key, dev, dt)
            _CACHE[key] = _from_pretrained(MODEL_KINDS[src.kind], src, dev, dt)
            load_calls += 1
        return _CACHE[key]


class LazyModel:
    """Base of a backend over one checkpoint of ``name``'s kind (``spec``: see the module
    docstring): the model loads on the first ``load()`` and is shared through ``load_model``."""

    name: str

    def __init__(self, model: str | os.PathLike[str] | None = None, *, device: str | None = None,
                 dtype: str | None = None):
        self.spec = model
        self.device, self.dtype = device, dtype
        self._loaded: LoadedModel | None = None

    def load(self) -> LoadedModel:
        if self._loaded is None:
            self._loaded = load_model(self.name, self.spec, device=self.device, dtype=self.dtype)
        return self._loaded


def clear_model_cache() -> None:
    """Forget every loaded model (their memory is freed once nothing else holds them)."""
    with _LOCK:
        _CACHE.clear()


# ---------------------------------------------------------------------------------------------
# What `sceneedit models` shows


def list_perception_models() -> list:
    """One ``ModelStatus`` per kind in ``MODEL_KINDS``: the configured checkpoint and whether it
    is on this machine. Reads no weights and imports neither torch nor transformers."""
    from ...reasoning.models import ModelStatus

    rows = []
    for k in MODEL_KINDS.values():
        spec = os.environ.get(k.env_var, "").strip() or k.default_id
        origin = "env" if os.environ.get(k.env_var, "").strip() else "default"
        notes = [f"{k.role}; selected with {k.option} or ${k.env_var}"]
        path: Path | None = None
        try:
            src = resolve_source(k.name, None)
            path = src.local_dir if src.local_dir is not None else cached_snapshot(src.repo_id)
        except (MissingWeightsError, InvalidInputError) as exc:
            notes.append(str(exc))
        rows.append(ModelStatus(
            name=k.name, description=f"{k.description}: {spec}", source=origin,
            path=str(path) if path else None, ready=path is not None,
            install=k.fetch_hint(spec if _looks_like_repo_id(spec) else None),
            licence=k.licence, notes=notes))
    return rows
