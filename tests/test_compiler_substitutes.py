"""Drop-in brick replacements chosen through the render configuration.

``RenderConfig(substitutes={"inpaint": "my_fill"})`` makes the compiler call a registered brick
wherever it would call a built-in one; the replacement must declare the same ports. The plan
is unchanged: the planner's atomic edits are realised by the new brick.
"""
from __future__ import annotations

import numpy as np
import pytest

from sceneedit.bricks import Port, PortType, brick
from sceneedit.compiler import compile_plan
from sceneedit.errors import ValidationError
from sceneedit.plan import Plan
from sceneedit.render import render_plan
from sceneedit.render_config import RenderConfig
from sceneedit.selfcontained import render_selfcontained, seal_plan
from sceneedit.synthetic import generate_scene

IMAGE, MASK, TEXT = PortType.IMAGE, PortType.MASK, PortType.TEXT


@brick("test_flat_fill", "Fill the mask with the median colour of a ring around it (test).",
       [Port("image", IMAGE), Port("mask", MASK), Port("method", TEXT, default="auto"),
        Port("shade", PortType.NUMBER, default=0)],
       [Port("image", IMAGE)], changes_pixels=True)
def flat_fill(image, mask, method, shade):
    import cv2

    ring = cv2.dilate(mask.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~mask
    out = image.copy()
    out[mask] = np.median(image[ring], axis=0).astype(np.uint8)
    return out


@brick("test_no_method_fill", "Lacks the inpaint brick's `method` input (test).",
       [Port("image", IMAGE), Port("mask", MASK)], [Port("image", IMAGE)], changes_pixels=True)
def no_method_fill(image, mask):
    return image


@pytest.fixture(scope="module")
def case():
    scene = generate_scene(5, width=320, height=160,
                           objects=[("apple", "red"), ("mug", "blue"), ("book", "green")])
    ids = {o.label: o.id for o in scene.graph.objects}
    plan = Plan(instruction="Remove the mug.", edits=[{"op": "remove", "target": ids["mug"]}])
    return scene, plan, ids


def test_the_substitute_realises_the_same_plan(case):
    scene, plan, ids = case
    config = RenderConfig(substitutes={"inpaint": "test_flat_fill"})
    bricks = [n.brick for n in compile_plan(plan, scene.graph, config=config).nodes]
    assert "test_flat_fill" in bricks and "inpaint" not in bricks
    out = render_plan(plan, scene.image, scene.graph, config=config)
    default = render_plan(plan, scene.image, scene.graph)
    hole = scene.graph.mask_of(ids["mug"])
    # one flat colour where the mug was (the built-in fill is textured), nothing outside changed
    assert len(np.unique(out.image[hole], axis=0)) == 1
    assert len(np.unique(default.image[hole], axis=0)) > 1
    assert not (out.image != scene.image).any(axis=2)[~out.footprint].any()


def test_a_sealed_plan_records_and_reproduces_the_substitute(case):
    scene, plan, _ = case
    config = RenderConfig(substitutes={"inpaint": "test_flat_fill"})
    sealed = seal_plan(plan, scene.image, scene.graph, config)
    assert sealed.model_extra["render"]["substitutes"] == {"inpaint": "test_flat_fill"}
    again = Plan.from_dict(sealed.to_dict())
    assert np.array_equal(render_selfcontained(again, scene.image).image,
                          render_plan(plan, scene.image, scene.graph, config=config).image)


@pytest.mark.parametrize("substitutes, says", [
    ({"inpaint": "test_no_method_fill"}, "input 'method' (Text)"),
    ({"inpaint": "no_such_brick"}, "unknown brick 'no_such_brick'"),
    ({"no_such_brick": "test_flat_fill"}, "unknown brick 'no_such_brick'"),
])
def test_a_replacement_that_is_not_a_drop_in_is_refused(case, substitutes, says):
    scene, plan, _ = case
    with pytest.raises(ValidationError, match="render.substitutes") as err:
        compile_plan(plan, scene.graph, config=RenderConfig(substitutes=substitutes))
    assert says in str(err.value)


def test_the_default_config_compiles_as_before(case):
    scene, plan, _ = case
    assert RenderConfig().substitutes == {}
    assert compile_plan(plan, scene.graph).to_dict() == \
        compile_plan(plan, scene.graph, config=RenderConfig(substitutes={})).to_dict()
