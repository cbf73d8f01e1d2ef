"""Generative (diffusers) inpainting for the generative bricks.

Nothing heavy is imported here: torch and diffusers load on the first generation.

- ``runtime``: where generation runs (device, dtype, CPU offload, local weights path).
- ``weights``: finding a model's weights on this machine (local folder or Hugging Face cache)
  and saying exactly what to download when they are missing.
- ``pipeline``: loading ``AutoPipelineForInpainting`` once per (model, device, dtype) and sharing it.
- ``crop``: crop windows around a mask at the model's native resolution.
- ``generate``: seeded, batched inpainting of those crops, pasted back inside the mask only.
- ``prompts``: the text each generative edit sends to the model.
- ``tiny``: a tiny random-weight pipeline for tests and benchmarks.
"""
from .runtime import DiffusionRuntime, current_runtime, using_runtime

__all__ = ["DiffusionRuntime", "current_runtime", "using_runtime"]
