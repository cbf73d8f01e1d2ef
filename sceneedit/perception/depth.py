"""Relative depth per object from a transformers depth-estimation model.

Configure the model with ``DepthEstimator(model=...)``, ``--depth-model`` on the command line,
or the ``SCENEEDIT_DEPTH_MODEL`` environment variable: a local directory in the transformers
layout (``config.json``, the weights, ``preprocessor_config.json``) or a Hugging Face id already
in the local cache; with neither, the default id of the model table's ``depth`` entry when it is
in the local cache (``sceneedit.weights`` resolves it). Nothing is downloaded at run time (``local_files_only``); without weights a
``MissingWeightsError`` says what to download and where to point sceneedit.

The depth map is normalised per image to 0..1 with 0 = nearest (robust to outliers: the 1st and
99th percentiles span the range), so an object's depth does not change when other objects are
added to the graph; each object gets the median of the map over its mask. The graph's relations
are then re-derived, which adds ``in_front_of`` / ``behind`` between close objects whose depths
differ (``scene.relations.DEPTH_MARGIN``).
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..scene.model import SceneGraph
from ..weights import get_entry, missing_weights, resolve
from ..weights.hf import looks_like_repo_id
from .cache import ContentCache
from .classical import check_rgb

_ENTRY = get_entry("depth")  # the one model table declares the env var and default id
ENV_VAR = _ENTRY.env_var
SUGGESTED_MODEL = str(_ENTRY.hf_repo)
# Model types whose output grows with distance (metric depth); the others (DPT, Depth
# Anything relative) predict relative inverse depth, which grows as things come nearer.
_DISTANCE_OUTPUT_TYPES = frozenset({"zoedepth", "glpn"})
_LOW, _HIGH = 1.0, 99.0  # percentiles that span the normalised range

_LOADED: dict[tuple[str, str, str], tuple[Any, Any]] = {}  # shared by every estimator


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _load(source: str, device: str, dtype: str) -> tuple[Any, Any]:
    key = (source, device, dtype)
    if key not in _LOADED:
        try:
            import torch
            from transformers import AutoImageProcessor, AutoModelForDepthEstimation
        except ImportError as exc:
            raise missing_weights(_ENTRY, f"depth estimation needs torch and transformers "
                                  f"({exc.name} is missing)") from None
        try:
            processor = AutoImageProcessor.from_pretrained(source, local_files_only=True)
            model = AutoModelForDepthEstimation.from_pretrained(
                source, local_files_only=True, dtype=getattr(torch, dtype))
        except (OSError, ValueError) as exc:
            raise missing_weights(_ENTRY, f"depth model {source!r} could not be loaded from "
                                  f"local files ({str(exc).splitlines()[0]})",
                                  source if looks_like_repo_id(source) else None) from None
        _LOADED[key] = (model.to(device).eval(), processor)
    return _LOADED[key]


class DepthEstimator:
    """``annotate(graph, image)`` sets ``depth`` on every object; ``depth_map(image)`` gives
    the normalised map (cached per image by content hash)."""

    name = "depth"

    def __init__(self, model: str | os.PathLike | None = None, *, device: str | None = None,
                 dtype: str = "float32"):
        found = resolve(_ENTRY, model)
        if found.path is None and found.origin == "default":
            raise missing_weights(_ENTRY, f"no depth model is configured and the default "
                                  f"{SUGGESTED_MODEL} is not in the local Hugging Face cache")
        self.source = str(found.path) if found.path is not None else str(found.repo_id)
        self._device = device
        self.dtype = dtype
        self._maps: ContentCache[np.ndarray] = ContentCache(self._predict)

    @property
    def device(self) -> str:
        if self._device is None:
            self._device = default_device()
        return self._device

    @property
    def encoder_calls(self) -> int:
        return self._maps.computed

    def load(self) -> "DepthEstimator":
        """Load the model now (it otherwise loads on first use); raises MissingWeightsError."""
        _load(self.source, self.device, self.dtype)
        return self

    def depth_map(self, image: np.ndarray) -> np.ndarray:
        """HxW float32 in 0..1, 0 = nearest."""
        return self._maps.get(check_rgb(image))

    def _predict(self, image: np.ndarray) -> np.ndarray:
        import torch

        model, processor = _load(self.source, self.device, self.dtype)
        h, w = image.shape[:2]
        inputs = processor(images=image, return_tensors="pt")
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        with torch.inference_mode():
            outputs = model(**inputs)
        pred = outputs.predicted_depth
        if pred.ndim == 3:
            pred = pred[:, None]
        pred = torch.nn.functional.interpolate(pred.float(), size=(h, w), mode="bicubic",
                                               align_corners=False)[0, 0]
        raw = pred.cpu().numpy().astype(np.float32)
        cfg = model.config
        grows_with_distance = cfg.model_type in _DISTANCE_OUTPUT_TYPES or \
            getattr(cfg, "depth_estimation_type", "relative") == "metric"
        lo, hi = np.percentile(raw, [_LOW, _HIGH])
        norm = np.clip((raw - lo) / (hi - lo), 0, 1) if hi > lo else np.zeros_like(raw)
        return (norm if grows_with_distance else 1.0 - norm).astype(np.float32)

    def annotate(self, graph: SceneGraph, image: np.ndarray) -> SceneGraph:
        """``graph`` with each object's depth (median over its mask) and re-derived relations
        (``in_front_of`` / ``behind`` among them)."""
        graph.check_matches(image)
        depth = self.depth_map(image)
        objects = []
        for obj in graph.objects:
            mask = graph.mask_of(obj.id)
            value = float(np.median(depth[mask])) if mask.any() else None
            objects.append(obj.model_copy(update={
                "depth": None if value is None else round(value, 4)}))
        return graph.model_copy(update={"objects": objects}).with_derived_relations()


__all__ = ["ENV_VAR", "SUGGESTED_MODEL", "DepthEstimator", "default_device"]
