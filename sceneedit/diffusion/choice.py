"""Choosing classical or generative bricks for a render, from the configuration and from what
this machine has. The choice and its reason are recorded in the compiled workflow.

The classical bricks that make new content (``PLACEHOLDER_BRICKS``: a drawn clip-art object, a
procedural material) are right for the synthetic domain they were built for and a placeholder
anywhere else; ``gate_placeholders`` refuses them on other images unless the render config
opted in (``RenderConfig.placeholder``), and then the result says so.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

from ..errors import MissingWeightsError
from ..render_config import BrickChoice, RenderConfig
from ..workflow.model import Workflow
from .weights import unavailable_reason

# Classical bricks whose output is new content rather than the image's own pixels moved,
# filled or recoloured: replace-with-a-description and add draw an object, restyle paints a
# procedural material. Remove, move, resize, swap and recolour use none of them.
PLACEHOLDER_BRICKS: tuple[str, ...] = ("draw_object", "restyle")


class GenerativeFallbackWarning(UserWarning):
    """``bricks="auto"`` found no usable diffusion model and fell back to classical bricks."""


class PlaceholderWarning(UserWarning):
    """Classical placeholder content was drawn into an image outside the synthetic domain
    (the user opted in with ``RenderConfig.placeholder``)."""


def choose_bricks(config: RenderConfig, check_weights: bool = True) -> BrickChoice:
    """``classical`` -> classical; ``generative`` -> generative, or MissingWeightsError when its
    weights are not here; ``auto`` -> generative when the weights are here, else classical with
    a ``GenerativeFallbackWarning``. With ``check_weights=False`` (planning on a machine that
    will not render) a generative request is recorded as is and checked at render time."""
    if config.bricks == "classical":
        return BrickChoice(requested="classical", used="classical", reason="requested",
                           placeholder=config.placeholder)
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
    return BrickChoice(requested="auto", used="classical", reason=problem,
                       placeholder=config.placeholder)


def gate_placeholders(workflow: Workflow, in_domain: Callable[[], bool]) -> str | None:
    """Check, before a render, the workflow's classical new-content bricks against its image.

    None when the workflow has none of ``PLACEHOLDER_BRICKS`` or ``in_domain()`` (the image is
    one of sceneedit's synthetic scenes; only asked when needed). Otherwise the note to show
    with the result when the workflow's brick choice allows placeholders, else
    MissingWeightsError naming the diffusion model, where to put it, and the opt-in."""
    recorded = (workflow.model_extra or {}).get("bricks")
    choice = BrickChoice.model_validate(recorded) if recorded else \
        BrickChoice(requested="classical", used="classical", reason="not recorded")
    # with generative bricks the classical ones are only the coarse pass diffusion refines
    nodes = [n for n in workflow.nodes if n.brick in PLACEHOLDER_BRICKS] \
        if choice.used == "classical" else []
    if not nodes or in_domain():
        return None
    edits = "; ".join(dict.fromkeys((n.note or n.id).split("; ")[0] for n in nodes))
    if choice.placeholder:
        return (f"placeholder content: {edits} drawn by the classical "
                f"{'/'.join(sorted({n.brick for n in nodes}))} brick (flat clip-art), not "
                f"generated, because the image is not one of sceneedit's synthetic scenes")
    from ..render_config import default_model

    model = choice.model or default_model()
    problem = unavailable_reason(model)
    get = f"diffusion model {model!r} is on this machine." if problem is None else problem
    raise MissingWeightsError(
        f"({edits}) needs new photographic content, and the image is not one of sceneedit's "
        f"synthetic scenes: the classical bricks would paste flat clip-art into it. Generate "
        f"it by diffusion: {get} Then render with --bricks auto (`sceneedit render`; Python: "
        f"RenderConfig(bricks='auto')). Or pass --placeholder (RenderConfig(placeholder=True)) "
        f"to draw a classical placeholder that the result reports. Remove, move, resize, swap "
        f"and recolour need no model.")
