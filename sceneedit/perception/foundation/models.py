"""Loading the foundation perception models, each once per process.

Which checkpoint a kind uses is the weights layer's business (``sceneedit.weights``: the one
table of models, its resolver and its missing-weights messages); ``MODEL_KINDS`` is the table's
detectors and segmenters. A spec resolves in this order: the explicit spec (``--detector-model``
etc.), else the kind's environment variable, else its default Hugging Face id. A spec is
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
from typing import Any

from ...errors import InvalidInputError, MissingWeightsError
from ...weights import Resolved, WeightEntry, missing_weights, resolve
from ...weights.hf import hf_offline
from ...weights.table import entries

log = logging.getLogger(__name__)

ENV_DEVICE = "SCENEEDIT_DEVICE"
DTYPES = ("float32", "float16", "bfloat16")

# The perception models of the one table, by name (--detector grounding-dino, ...).
MODEL_KINDS: dict[str, WeightEntry] = {
    e.name: e for role in ("detector", "segmenter") for e in entries(role)}


def get_kind(name: str) -> WeightEntry:
    try:
        return MODEL_KINDS[name]
    except KeyError:
        from ...errors import ValidationError

        raise ValidationError("model kind", f"unknown perception model {name!r}",
                              MODEL_KINDS) from None


def resolve_source(kind: str, spec: str | os.PathLike[str] | None = None) -> Resolved:
    """Which checkpoint ``spec`` (or the environment, or the default) names; checks that a local
    one has the transformers layout. Never downloads."""
    return resolve(get_kind(kind), spec)


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
    source: Resolved
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


def _from_pretrained(k: WeightEntry, src: Resolved, device: str, dtype: str) -> LoadedModel:
    import torch
    import transformers

    where = str(src.path) if src.path is not None else src.repo_id
    local_only = src.path is not None or hf_offline()
    try:
        config = transformers.AutoConfig.from_pretrained(where, local_files_only=local_only)
    except OSError as exc:
        if src.path is not None:
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
        raise missing_weights(k, f"the checkpoint {where} is incomplete ({exc}); it needs the "
                              f"weights and the processor files next to config.json",
                              src.repo_id) from None
    model = model.to(device).eval()
    return LoadedModel(k.name, src, model, processor, device, dtype)


def _not_found(k: WeightEntry, src: Resolved, exc: Exception | None) -> MissingWeightsError:
    state = ("is not in the Hugging Face cache and offline mode (HF_HUB_OFFLINE) is set"
             if exc is None else f"could not be downloaded ({exc.__class__.__name__})")
    return missing_weights(k, f"no weights: {src.repo_id!r} {state}", src.repo_id)


def load_model(kind: str, spec: str | os.PathLike[str] | None = None, *,
               device: str | None = None, dtype: str | None = None) -> LoadedModel:
    """The model and processor of ``kind`` named by ``spec`` (see the module docstring), loaded
    on first use and shared afterwards."""
    global load_calls
    src = resolve_source(kind, spec)
    if src.path is None and hf_offline():
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
