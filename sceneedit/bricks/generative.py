"""Generative bricks: diffusion inpainting (diffusers) for photos.

Each works on crop windows around its mask at the model's native resolution and writes only
inside the mask (``sceneedit.diffusion.generate``); the executor's final composite still
guarantees that nothing outside the plan's footprint changes. The model, seed and sampling
settings are literal inputs, so a workflow names exactly what produced its pixels and the
executor's cache keys cover them. Where the pipeline runs (device, dtype, offload, the local
path of the weights) comes from ``sceneedit.diffusion.runtime``.
"""
from __future__ import annotations

from .. import masks as M
from ..render_config import RenderConfig
from .registry import Port, PortType, brick, seed_port

IMAGE, MASK, BOX, NUMBER, TEXT = (PortType.IMAGE, PortType.MASK, PortType.BOX, PortType.NUMBER,
                                  PortType.TEXT)
REQUIRES = ("torch", "diffusers", "transformers")


def _setting(name: str, description: str, default: float) -> Port:
    """A sampling setting's port, bounded like the same ``RenderConfig`` field (its one
    declaration), so a workflow cannot ask for what the render settings refuse."""
    from annotated_types import Ge, Gt, Le

    meta = RenderConfig.model_fields[name].metadata
    ge = next((m.ge for m in meta if isinstance(m, Ge)), None)
    gt = next((m.gt for m in meta if isinstance(m, Gt)), None)
    le = next((m.le for m in meta if isinstance(m, Le)), None)
    return Port(name, NUMBER, description, default=default,
                minimum=gt if gt is not None else ge, maximum=le, exclusive_minimum=gt is not None)


def _sampling_ports(strength: float) -> list[Port]:
    return [
        Port("model", TEXT, "diffusers inpainting pipeline: a hub id or a local folder"),
        seed_port(),
        _setting("steps", "denoising steps", 30),
        _setting("strength", "1 generates from noise; below 1 refines the input image "
                 "(coarse-to-fine)", strength),
        _setting("guidance", "classifier-free guidance scale", 7.5),
        _setting("resolution", "side the model works at; 0 = its native one", 0),
    ]


def _generate(image, mask, prompt_pair, model, seed, steps, strength, guidance, resolution):
    from ..diffusion.generate import GenerationSettings, inpaint

    settings = GenerationSettings(model=model, seed=int(seed), steps=int(steps),
                                  strength=float(strength), guidance=float(guidance),
                                  resolution=int(resolution))
    return inpaint(image, mask, prompt_pair[0], prompt_pair[1], settings)


@brick("gen_inpaint", "Fill the masked region with plausible background by diffusion "
       "inpainting (inpaint-remove). Give it a classical fill as input and strength < 1 to "
       "refine that fill (coarse-to-fine).",
       [Port("image", IMAGE), Port("mask", MASK, "the region to fill"),
        Port("removed", TEXT, "what was there (kept out of the fill), '-' if nothing",
             default="-"), *_sampling_ports(1.0)],
       [Port("image", IMAGE)], changes_pixels=True, device="any", requires=REQUIRES)
def gen_inpaint(image, mask, removed, model, seed, steps, strength, guidance, resolution):
    from ..diffusion import prompts

    return _generate(image, mask, prompts.remove(removed), model, seed, steps, strength,
                     guidance, resolution)


@brick("gen_replace", "Generate a new object described by `what` inside the mask (the old "
       "object's footprint). Returns the generated region as the new object's mask.",
       [Port("image", IMAGE), Port("mask", MASK, "where the new object goes"),
        Port("what", TEXT, "e.g. 'a floor lamp'"), *_sampling_ports(1.0)],
       [Port("image", IMAGE), Port("mask", MASK)], changes_pixels=True, device="any",
       requires=REQUIRES)
def gen_replace(image, mask, what, model, seed, steps, strength, guidance, resolution):
    from ..diffusion import prompts

    out = _generate(image, mask, prompts.new_object(what), model, seed, steps, strength,
                    guidance, resolution)
    return {"image": out, "mask": mask.copy()}


@brick("gen_add", "Generate a new object described by `what` into `box` (from place_object). "
       "Returns the box's region as the new object's mask.",
       [Port("image", IMAGE), Port("box", BOX, "where the object goes"),
        Port("what", TEXT, "e.g. 'a cat'"), *_sampling_ports(1.0)],
       [Port("image", IMAGE), Port("mask", MASK)], changes_pixels=True, device="any",
       requires=REQUIRES)
def gen_add(image, box, what, model, seed, steps, strength, guidance, resolution):
    from ..diffusion import prompts

    mask = M.box_to_mask(box, image.shape[0], image.shape[1])
    out = _generate(image, mask, prompts.new_object(what), model, seed, steps, strength,
                    guidance, resolution)
    return {"image": out, "mask": mask}


@brick("gen_restyle", "Change the masked object's material or texture by diffusion, "
       "constrained to the object's mask (its silhouette is kept).",
       [Port("image", IMAGE), Port("mask", MASK), Port("label", TEXT, "what the object is"),
        Port("style", TEXT, "e.g. 'made of wood'"), *_sampling_ports(0.6)],
       [Port("image", IMAGE)], changes_pixels=True, device="any", requires=REQUIRES)
def gen_restyle(image, mask, label, style, model, seed, steps, strength, guidance, resolution):
    from ..diffusion import prompts

    return _generate(image, mask, prompts.restyle(label, style), model, seed, steps, strength,
                     guidance, resolution)


@brick("gen_recolor", "Recolour the masked object by diffusion, constrained to its mask; use "
       "after the classical recolor with strength < 1 to make the new colour photographic.",
       [Port("image", IMAGE), Port("mask", MASK), Port("label", TEXT, "what the object is"),
        Port("color", PortType.COLOR), *_sampling_ports(0.5)],
       [Port("image", IMAGE)], changes_pixels=True, device="any", requires=REQUIRES)
def gen_recolor(image, mask, label, color, model, seed, steps, strength, guidance, resolution):
    from ..diffusion import prompts

    return _generate(image, mask, prompts.recolor(label, color), model, seed, steps, strength,
                     guidance, resolution)


GENERATIVE_BRICKS: tuple[str, ...] = ("gen_inpaint", "gen_replace", "gen_add", "gen_restyle",
                                      "gen_recolor")


def uses_generative(brick_names) -> bool:
    return any(name in GENERATIVE_BRICKS for name in brick_names)

