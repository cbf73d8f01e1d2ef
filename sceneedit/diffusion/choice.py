"""Choosing classical or generative bricks for a render, from the configuration and from what
this machine has. The choice and its reason are recorded in the compiled workflow."""
from __future__ import annotations

import warnings

from ..errors import MissingWeightsError
from ..render_config import BrickChoice, RenderConfig
from .weights import unavailable_reason


class GenerativeFallbackWarning(UserWarning):
    """``bricks="auto"`` found no usable diffusion model and fell back to classical bricks."""


def choose_bricks(config: RenderConfig, check_weights: bool = True) -> BrickChoice:
    """``classical`` -> classical; ``generative`` -> generative, or MissingWeightsError when its
    weights are not here; ``auto`` -> generative when the weights are here, else classical with
    a ``GenerativeFallbackWarning``. With ``check_weights=False`` (planning on a machine that
    will not render) a generative request is recorded as is and checked at render time."""
    if config.bricks == "classical":
        return BrickChoice(requested="classical", used="classical", reason="requested")
    if not check_weights:
        return BrickChoice(requested=config.bricks, used="generative", model=config.model,
                           reason="weights not checked when compiling; checked at render time")
    problem = unavailable_reason(config.model)
    if problem is None:
        return BrickChoice(requested=config.bricks, used="generative", model=config.model,
                           reason=f"weights of {config.model} found")
    if config.bricks == "generative":
        raise MissingWeightsError(problem)
    warnings.warn(f"generative bricks unavailable, using classical bricks: {problem}",
                  GenerativeFallbackWarning, stacklevel=3)
    return BrickChoice(requested="auto", used="classical", reason=problem)
