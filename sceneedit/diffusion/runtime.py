"""Where generation runs: a property of the machine, not of the plan.

The same self-contained plan renders on a laptop CPU (float32) and on a GPU box (float16),
with the weights at a different path on each; none of that belongs in the plan. The renderer
sets the runtime for the duration of a render (``using_runtime``) and the generative bricks
read it (``current_runtime``); a context variable keeps concurrent renders apart.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

from ..errors import ValidationError

Dtype = Literal["auto", "float32", "float16", "bfloat16"]
DTYPES: tuple[str, ...] = ("auto", "float32", "float16", "bfloat16")
_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")


@dataclass(frozen=True)
class DiffusionRuntime:
    device: str = "cpu"
    dtype: Dtype = "auto"        # auto: float16 on CUDA (bfloat16 for FLUX), float32 elsewhere
    cpu_offload: bool = False    # keep only the running sub-model on the GPU (small GPUs)
    model_path: str | None = None  # the plan's model lives here on this machine

    def __post_init__(self) -> None:
        if not _DEVICE.match(self.device):
            raise ValidationError("device", f"unknown device {self.device!r}",
                                  ["cpu", "cuda", "cuda:N", "mps"])
        if self.dtype not in DTYPES:
            raise ValidationError("dtype", f"unknown dtype {self.dtype!r}", DTYPES)
        if self.cpu_offload and not self.device.startswith("cuda"):
            raise ValidationError("cpu_offload", "CPU offload moves sub-models to a CUDA "
                                  f"device on demand; the device is {self.device!r}")

    def dtype_for(self, pipeline_class: str) -> str:
        """The torch dtype name to load ``pipeline_class`` in on this runtime."""
        if self.dtype != "auto":
            return self.dtype
        if self.device.startswith("cuda"):
            return "bfloat16" if pipeline_class.startswith("Flux") else "float16"
        return "float32"


_CURRENT: ContextVar[DiffusionRuntime] = ContextVar("sceneedit_diffusion_runtime",
                                                    default=DiffusionRuntime())


def current_runtime() -> DiffusionRuntime:
    return _CURRENT.get()


@contextmanager
def using_runtime(runtime: DiffusionRuntime | None) -> Iterator[DiffusionRuntime]:
    """Run the generative bricks inside the block on ``runtime`` (None: leave it as it is)."""
    if runtime is None:
        yield current_runtime()
        return
    token = _CURRENT.set(runtime)
    try:
        yield runtime
    finally:
        _CURRENT.reset(token)
