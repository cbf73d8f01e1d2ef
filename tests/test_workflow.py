import json

import numpy as np
import pytest

from sceneedit.bricks import REGISTRY, BrickRegistry, Port, PortType, brick
from sceneedit.errors import WorkflowError
from sceneedit.workflow.executor import Executor
from sceneedit.workflow.model import Workflow
from sceneedit.workflow.validate import validate_workflow

MASK, IMAGE, NUMBER = PortType.MASK, PortType.IMAGE, PortType.NUMBER


def wf(nodes, outputs=None, inputs=None):
    return Workflow.from_dict({"format": "sceneedit.workflow/1",
                               "inputs": inputs or {"image": "Image", "a": "Mask", "b": "Mask"},
                               "nodes": nodes, "outputs": outputs or {"image": {"ref": "input.image"}}})


def ref(r):
    return {"ref": r}


def masks():
    a = np.zeros((20, 30), bool)
    a[2:10, 3:12] = True
    b = np.zeros((20, 30), bool)
    b[5:15, 8:20] = True
    return a, b


@pytest.mark.parametrize("nodes, needle, node", [
    ([{"id": "n1", "brick": "mask_frobnicate", "inputs": {}}], "unknown brick", "n1"),
    ([{"id": "n1", "brick": "mask_union", "inputs": {"a": ref("input.a"), "c": 1}}],
     "has no input 'c'", "n1"),
    ([{"id": "n1", "brick": "mask_union", "inputs": {"a": ref("input.a"), "b": ref("input.image")}}],
     "expects Mask but 'input.image' is Image", "n1"),
    ([{"id": "n1", "brick": "mask_union", "inputs": {"a": ref("input.a"), "b": ref("n7.mask")}}],
     "dangling reference 'n7.mask'", "n1"),
    ([{"id": "n1", "brick": "mask_union", "inputs": {"a": ref("input.a"), "b": ref("input.zz")}}],
     "no input 'zz'", "n1"),
    ([{"id": "n1", "brick": "mask_union", "inputs": {"a": ref("input.a")}}],
     "missing required input", "n1"),
    ([{"id": "n1", "brick": "mask_dilate", "inputs": {"mask": ref("input.a"), "radius": "big"}}],
     "expected a number", "n1"),
    ([{"id": "n1", "brick": "mask_invert", "inputs": {"mask": [[1]]}}],
     "must be a reference", "n1"),
    ([{"id": "n1", "brick": "mask_invert", "inputs": {"mask": ref("n1.nope")}}],
     "has no output 'nope'", "n1"),
])
def test_validation_errors_name_the_node(nodes, needle, node):
    with pytest.raises(WorkflowError) as info:
        validate_workflow(wf(nodes))
    assert needle in str(info.value)
    assert info.value.node == node


def test_cycle_is_reported_with_its_nodes():
    nodes = [{"id": "x", "brick": "mask_union", "inputs": {"a": ref("y.mask"), "b": ref("input.a")}},
             {"id": "y", "brick": "mask_invert", "inputs": {"mask": ref("x.mask")}}]
    with pytest.raises(WorkflowError, match="cycle") as info:
        validate_workflow(wf(nodes))
    assert info.value.node in ("x", "y")


def test_pixel_changing_workflow_must_declare_a_footprint():
    reg = BrickRegistry()

    @brick("paint", "paint all", [Port("image", IMAGE)], [Port("image", IMAGE)],
           changes_pixels=True, registry=reg)
    def paint(image):
        return np.full_like(image, 255)

    w = wf([{"id": "p", "brick": "paint", "inputs": {"image": ref("input.image")}}],
           outputs={"image": ref("p.image")})
    with pytest.raises(WorkflowError, match="footprint"):
        validate_workflow(w, reg)


def test_executor_topological_order_cache_and_trace():
    a, b = masks()
    # nodes listed out of order: the executor must sort them
    w = wf([{"id": "u", "brick": "mask_union", "inputs": {"a": ref("d.mask"), "b": ref("input.b")}},
            {"id": "d", "brick": "mask_dilate", "inputs": {"mask": ref("input.a"), "radius": 1}}],
           outputs={"image": ref("input.image"), "m": ref("u.mask")})
    ex = Executor()
    image = np.zeros((20, 30, 3), np.uint8)
    r1 = ex.run(w, {"image": image, "a": a, "b": b})
    from sceneedit.masks import dilate
    assert np.array_equal(r1.outputs["m"], dilate(a, 1) | b)
    assert [s.node for s in r1.trace.steps] == ["d", "u"]
    assert not any(s.cached for s in r1.trace.steps)
    r2 = ex.run(w, {"image": image, "a": a, "b": b})
    assert all(s.cached for s in r2.trace.steps)
    assert np.array_equal(r2.outputs["m"], r1.outputs["m"])
    # a changed input content misses the cache for every node downstream of it
    a2 = a.copy()
    a2[0, 0] = True
    r3 = ex.run(w, {"image": image, "a": a2, "b": b})
    assert [s.cached for s in r3.trace.steps] == [False, False]
    assert r1.trace.steps[0].visual is not None and r1.trace.steps[0].visual.shape[2] == 3
    assert "<img" in r1.trace._repr_html_()
    json.dumps(r1.trace.to_dict())


def test_cached_outputs_cannot_be_corrupted_by_callers():
    a, b = masks()
    w = wf([{"id": "u", "brick": "mask_union", "inputs": {"a": ref("input.a"), "b": ref("input.b")}}],
           outputs={"image": ref("input.image"), "m": ref("u.mask")})
    ex = Executor()
    out = ex.run(w, {"image": np.zeros((20, 30, 3), np.uint8), "a": a, "b": b}).outputs["m"]
    with pytest.raises(ValueError):
        out[0, 0] = True


def test_final_composite_preserves_pixels_even_for_a_leaky_brick():
    reg = BrickRegistry()
    for spec in REGISTRY:
        reg.register(spec)

    @brick("leaky_paint", "paints the whole image, ignoring its mask", [Port("image", IMAGE),
           Port("mask", MASK)], [Port("image", IMAGE)], changes_pixels=True, registry=reg)
    def leaky_paint(image, mask):
        return np.full_like(image, 200)

    a, b = masks()
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    w = wf([{"id": "p", "brick": "leaky_paint", "inputs": {"image": ref("input.image"),
                                                          "mask": ref("input.a")}}],
           outputs={"image": ref("p.image"), "footprint": ref("input.a")})
    out = Executor(registry=reg).run(w, {"image": image, "a": a, "b": b})
    assert np.array_equal(out.image[~a], image[~a])
    assert (out.image[a] == 200).all()


def test_bad_run_inputs_and_device_needs():
    reg = BrickRegistry()

    @brick("gpu_only", "needs cuda", [Port("mask", MASK)], [Port("mask", MASK)], device="cuda",
           registry=reg)
    def gpu_only(mask):
        return mask

    a, b = masks()
    w = wf([{"id": "g", "brick": "gpu_only", "inputs": {"mask": ref("input.a")}}])
    with pytest.raises(WorkflowError, match="needs device 'cuda'"):
        Executor(registry=reg).run(w, {"image": np.zeros((20, 30, 3), np.uint8), "a": a, "b": b})
    with pytest.raises(WorkflowError, match="missing"):
        Executor(registry=reg).run(w, {"a": a})
    with pytest.raises(WorkflowError, match="input.a"):
        Executor(registry=reg).run(w, {"image": np.zeros((20, 30, 3), np.uint8),
                                       "a": a.astype(np.uint8), "b": b})


def test_brick_failures_name_the_node():
    empty = np.zeros((20, 30), bool)
    w = wf([{"id": "box", "brick": "mask_to_box", "inputs": {"mask": ref("input.a")}}])
    with pytest.raises(WorkflowError, match="mask is empty") as info:
        Executor().run(w, {"image": np.zeros((20, 30, 3), np.uint8), "a": empty, "b": empty})
    assert info.value.node == "box"


def test_registry_declaration_drives_docs_and_schema():
    import jsonschema

    docs = REGISTRY.tool_docs()
    for spec in REGISTRY:
        assert spec.name in docs and spec.description.split()[0] in docs
    schema = REGISTRY.workflow_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    good = {"format": "sceneedit.workflow/1", "inputs": {"a": "Mask"},
            "nodes": [{"id": "n1", "brick": "mask_dilate", "inputs": {"mask": ref("input.a"),
                                                                      "radius": 2}}],
            "outputs": {"image": ref("n1.mask")}}
    jsonschema.validate(good, schema)
    bad = json.loads(json.dumps(good))
    bad["nodes"][0]["inputs"]["radius"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_a_port_description_stays_on_its_own_port_in_the_schema():
    # reference-only ports once shared one dict, so the last description written won everywhere
    from sceneedit.bricks.registry import REF_SCHEMA

    schema = REGISTRY.workflow_schema()
    assert "description" not in REF_SCHEMA
    assert "description" not in schema["properties"]["outputs"]["additionalProperties"]
    for node in schema["properties"]["nodes"]["items"]["oneOf"]:
        spec = REGISTRY.get(node["properties"]["brick"]["const"])
        for p in spec.inputs:
            got = node["properties"]["inputs"]["properties"][p.name].get("description")
            assert got == (p.description or None), (spec.name, p.name)


def test_registration_checks_the_declaration_against_the_function():
    reg = BrickRegistry()
    with pytest.raises(TypeError, match="do not match"):
        @brick("x", "x", [Port("a", MASK)], [Port("m", MASK)], registry=reg)
        def x(b):
            return b
