"""Seeded, batched inpainting of a mask's crop windows, pasted back inside the mask only.

Every window of one call goes through the pipeline in as few calls as possible (windows of the
same working size form one batch), each with its own ``torch.Generator`` seeded from the
brick's seed and the window's index: a window's starting noise depends on the seed, never on
how windows were batched. Generators live on the CPU so the starting noise is the same on every
device.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import numpy as np

from .crop import CropWindow, crop_windows, cut_window, paste_window
from .pipeline import get_pipeline, native_resolution, size_multiple

MAX_BATCH = 8  # windows per pipeline call: bounds GPU memory
# Window k of a call with seed s draws its noise from seed s * SEED_STRIDE + k, so windows of
# one edit never share noise with the windows of the next edit (seed s + 1).
SEED_STRIDE = 1000


@dataclass(frozen=True)
class GenerationSettings:
    """The literal inputs every generative brick carries (and its cache key covers)."""
    model: str
    seed: int = 0
    steps: int = 30
    strength: float = 1.0
    guidance: float = 7.5
    resolution: int = 0   # 0: the model's native resolution

    def run_steps(self) -> int:
        """Enough steps that a partial denoise still runs at least one."""
        return max(int(self.steps), math.ceil(1 / self.strength))


def _call_kwargs(pipe: Any, wanted: dict[str, Any]) -> dict[str, Any]:
    """The arguments this pipeline class accepts (FLUX has no negative prompt, FLUX Fill no
    strength in older diffusers)."""
    params = inspect.signature(pipe.__call__).parameters
    return {k: v for k, v in wanted.items() if k in params}


def _run_batch(pipe: Any, crops: list[tuple[np.ndarray, np.ndarray]], seeds: list[int],
               size: tuple[int, int], prompt: str, negative: str,
               s: GenerationSettings) -> list[np.ndarray]:
    import torch
    from PIL import Image

    k = len(crops)
    kwargs = _call_kwargs(pipe, {
        "prompt": [prompt] * k, "negative_prompt": [negative] * k,
        "image": [Image.fromarray(c) for c, _ in crops],
        "mask_image": [Image.fromarray(m) for _, m in crops],
        "width": size[0], "height": size[1], "num_inference_steps": s.run_steps(),
        "strength": float(s.strength), "guidance_scale": float(s.guidance),
        "generator": [torch.Generator("cpu").manual_seed(int(seed)) for seed in seeds],
        "output_type": "np"})
    with torch.inference_mode():
        images = pipe(**kwargs).images
    return [np.clip(np.round(np.asarray(im, np.float32) * 255), 0, 255).astype(np.uint8)
            for im in images]


def plan_windows(pipe: Any, mask: np.ndarray, resolution: int = 0) -> list[CropWindow]:
    return crop_windows(mask, resolution or native_resolution(pipe), size_multiple(pipe))


def inpaint(image: np.ndarray, mask: np.ndarray, prompt: str, negative: str,
            settings: GenerationSettings) -> np.ndarray:
    """``image`` with the pixels inside ``mask`` regenerated from ``prompt``; every pixel
    outside ``mask`` is returned unchanged."""
    out = image.copy()
    if not mask.any():
        return out
    pipe = get_pipeline(settings.model)
    windows = plan_windows(pipe, mask, settings.resolution)
    indexed = sorted(enumerate(windows), key=lambda iw: iw[1].work_size)
    for size, same in groupby(indexed, key=lambda iw: iw[1].work_size):
        same = list(same)
        for start in range(0, len(same), MAX_BATCH):
            chunk = same[start:start + MAX_BATCH]
            crops = [cut_window(image, mask, w) for _, w in chunk]
            seeds = [settings.seed * SEED_STRIDE + i for i, _ in chunk]
            results = _run_batch(pipe, crops, seeds, size, prompt, negative, settings)
            for (_, window), generated in zip(chunk, results):
                paste_window(out, mask, window, generated)
    return out
