"""Loading an inpainting pipeline once per (weights, device, dtype, offload) and sharing it.

``AutoPipelineForInpainting`` picks the pipeline class from the saved folder (Stable Diffusion
1.5 / 2 inpainting, SDXL inpainting, Kandinsky, FLUX); FLUX Fill folders are loaded with
``FluxFillPipeline``, which the auto class does not map. Loading is always ``local_files_only``:
nothing is downloaded at render time (``weights.locate_weights`` says what to fetch instead).
"""
from __future__ import annotations

import threading
import warnings
from pathlib import Path
from typing import Any

from .runtime import DiffusionRuntime, current_runtime
from .weights import locate_weights, pipeline_class_name

_LOCK = threading.Lock()
_PIPELINES: dict[tuple[str, str, str, bool], Any] = {}
LOAD_COUNT = {"loads": 0}  # how many pipelines this process has loaded (models loaded once)


def _load(path: Path, class_name: str, runtime: DiffusionRuntime) -> Any:
    import torch
    import diffusers

    dtype = getattr(torch, runtime.dtype_for(class_name))
    if class_name == "FluxFillPipeline":
        loader = diffusers.FluxFillPipeline
    else:
        loader = diffusers.AutoPipelineForInpainting
    with warnings.catch_warnings():  # diffusers >= 0.36 renames torch_dtype; older lack dtype
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        pipe = loader.from_pretrained(str(path), torch_dtype=dtype, local_files_only=True)
    if runtime.cpu_offload:
        pipe.enable_model_cpu_offload(device=runtime.device)
    else:
        pipe.to(runtime.device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def get_pipeline(model: str, runtime: DiffusionRuntime | None = None) -> Any:
    """The shared pipeline for ``model`` on ``runtime`` (the current one by default); the
    runtime's ``model_path`` says where the model's weights are on this machine."""
    runtime = runtime or current_runtime()
    path = locate_weights(runtime.model_path or model)
    class_name = pipeline_class_name(path)
    key = (str(path.resolve()), runtime.device, runtime.dtype_for(class_name),
           runtime.cpu_offload)
    with _LOCK:
        if key not in _PIPELINES:
            _PIPELINES[key] = _load(path, class_name, runtime)
            LOAD_COUNT["loads"] += 1
        return _PIPELINES[key]


def clear_pipelines() -> None:
    """Drop every loaded pipeline (frees GPU memory)."""
    with _LOCK:
        _PIPELINES.clear()


def native_resolution(pipe: Any) -> int:
    """The side length the model was trained at (512 for SD 1.5, 1024 for SDXL and FLUX)."""
    sample = getattr(pipe, "default_sample_size", None)
    if sample is None and getattr(pipe, "unet", None) is not None:
        sample = pipe.unet.config.sample_size
    if sample is None and getattr(pipe, "transformer", None) is not None:
        sample = 128
    return int(sample) * int(getattr(pipe, "vae_scale_factor", 8))


def size_multiple(pipe: Any) -> int:
    """Working sizes must be multiples of this: the VAE's downscaling times the denoiser's."""
    vae_factor = int(getattr(pipe, "vae_scale_factor", 8))
    unet = getattr(pipe, "unet", None)
    if unet is not None:
        return vae_factor * 2 ** (len(unet.config.block_out_channels) - 1)
    return vae_factor * 2  # FLUX packs 2x2 latent patches
