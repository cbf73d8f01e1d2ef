"""What a render is made of, as one typed document: which bricks (classical, generative or
whichever is available), the diffusion model and its sampling settings, the seed.

These are the settings that decide the output, so a self-contained plan records them and the
compiled workflow records the choice that was made. Where a render runs (device, dtype, CPU
offload, where the weights sit on that machine) is not part of it: see
``sceneedit.diffusion.runtime``.
"""
from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError as PydanticError

from .errors import ValidationError
from .weights.table import ENTRIES

BrickMode = Literal["classical", "generative", "auto"]
BRICK_MODES: tuple[str, ...] = ("classical", "generative", "auto")
# Stable Diffusion 1.5 inpainting (512 px native, runs in fp16 on a 4 GB GPU), as declared in
# the one model table.
DEFAULT_DIFFUSION_MODEL = str(ENTRIES["diffusion"].hf_repo)
MODEL_ENV = ENTRIES["diffusion"].env_var


def default_model() -> str:
    return os.environ.get(MODEL_ENV) or DEFAULT_DIFFUSION_MODEL


class RenderConfig(BaseModel):
    """How to render a plan. The default is the classical CPU toolkit (no weights)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bricks: BrickMode = "classical"
    seed: int = 0
    inpaint_method: str = "auto"            # the classical fill (also the coarse pass)
    model: str = Field(default_factory=default_model)  # diffusers hub id or local folder
    steps: int = Field(default=30, ge=1, le=500)
    # Coarse-to-fine: remove / recolor / restyle run the classical brick first and then a
    # partial denoise of this strength over it; replace / add generate from noise (1.0).
    strength: float = Field(default=0.6, gt=0.0, le=1.0)
    guidance: float = Field(default=7.5, ge=0.0, le=30.0)
    resolution: int = Field(default=0, ge=0, le=4096)  # 0: the model's native resolution
    # Drop-in replacements: {"inpaint": "my_inpaint"} makes the compiler call the registered
    # brick "my_inpaint" wherever it would call "inpaint". The replacement must declare every
    # input and output of the brick it replaces, with the same types (checked when compiling).
    substitutes: dict[str, str] = Field(default_factory=dict)
    # On an image that is not one of sceneedit's synthetic scenes, edits that need new content
    # (replace with a description, add, restyle) are refused without a diffusion model: the
    # classical bricks would draw flat clip-art into a photo. True draws it anyway, as a
    # placeholder, and the result says so (``diffusion.choice.gate_placeholders``).
    placeholder: bool = False
    # Files ops read at render time, by the name the op reads them under:
    # ``--background FILE`` -> {"background": FILE}.
    files: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def parse(cls, data: Any, where: str = "render") -> "RenderConfig":
        """Validate settings (a dict), raising an error that names the field at fault."""
        try:
            return cls.model_validate(data)
        except PydanticError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise ValidationError(f"{where}.{loc}", err["msg"]) from None

    def updated(self, overrides: dict[str, Any] | None) -> "RenderConfig":
        """A validated copy with ``overrides`` applied (None values are ignored)."""
        changes = {k: v for k, v in (overrides or {}).items() if v is not None}
        return self.parse({**self.model_dump(), **changes}) if changes else self


class BrickChoice(BaseModel):
    """Which bricks a workflow was compiled with and why (recorded in the workflow)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requested: BrickMode
    used: Literal["classical", "generative"]
    reason: str
    model: str | None = None                # set when generative bricks are used
    placeholder: bool = False               # classical placeholders allowed on photos
