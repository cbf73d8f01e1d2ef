"""Object-shaped masks from boxes (``perception.box_segment`` / ``mask_shaping``) and the
remove fill's choice for textured (photo-like) holes (``imageops.inpaint``, ``auto``).

The scenes are built here from seeded noise: a textured object (its own colour statistics) on a
differently textured background, so the truth mask is exact. ``benchmarks/mask_from_box.py`` and
``benchmarks/remove_fill.py`` measure the same on real-photo composites."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import sceneedit as se
from sceneedit.errors import InvalidInputError
from sceneedit.imageops.inpaint import FEATHER, inpaint
from sceneedit.masks import RLE, box_to_mask, iou, mask_box
from sceneedit.perception.box_segment import GrabCutSegmenter
from sceneedit.perception.foundation import FoundationPerceiver, Owlv2Detector, SamSegmenter
from sceneedit.perception.mask_shaping import (MASK_FROM, segmenter_for, shape_masks,
                                               shape_user_region, shaped_ids)
from sceneedit.scene.model import ImageInfo, SceneGraph, SceneObject

from editor_support import ScriptedLLM, answer, make_scene

H, W = 160, 200


@pytest.fixture(autouse=True)
def _no_sam_configured(monkeypatch):
    monkeypatch.delenv("SCENEEDIT_SAM_MODEL", raising=False)   # GrabCut unless a test sets it


def _texture(rng, base, spread, sigma):
    noise = cv2.GaussianBlur(rng.standard_normal((H, W, 3)).astype(np.float32), (0, 0), sigma)
    return np.clip(base + spread * noise / noise.std(), 0, 255)


def textured_scene(seed: int = 0):
    """(image, truth mask, loose box): a star-ish textured object on a textured ground."""
    rng = np.random.default_rng(seed)
    image = _texture(rng, np.array([90, 140, 70]), 30, 2.0)           # grass-like
    obj = _texture(rng, np.array([170, 90, 60]), 28, 1.2)            # brick-like
    truth = np.zeros((H, W), np.uint8)
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    r = np.where(np.arange(12) % 2 == 0, 55, 30)
    pts = np.stack([100 + r * np.cos(ang), 80 + r * np.sin(ang) * 0.9], 1)
    cv2.fillPoly(truth, [np.round(pts).astype(np.int32)], 1)
    truth = truth.astype(bool)
    image[truth] = obj[truth]
    x0, y0, x1, y1 = mask_box(truth)
    box = [x0 - 4, y0 - 3, x1 + 5, y1 + 2]   # drawn by hand: a little slack
    return image.astype(np.uint8), truth, box


def test_grabcut_shapes_a_textured_object_far_better_than_its_box():
    image, truth, box = textured_scene()
    box_iou = iou(box_to_mask(box, H, W), truth)
    seg = GrabCutSegmenter()
    m, = seg.segment(image, [box])
    assert box_iou < 0.6 and iou(m, truth) > 0.85
    assert seg.last_fallbacks == [False]
    assert not (m & ~box_to_mask(box, H, W)).any()        # never outside the box
    again, = GrabCutSegmenter().segment(image, [box])     # deterministic
    assert np.array_equal(m, again)


def _graph(boxes, masks=None):
    objs = [SceneObject(id=f"o{i + 1}", label="thing", box=b,
                        mask=None if masks is None or masks[i] is None
                        else RLE.from_array(masks[i]))
            for i, b in enumerate(boxes)]
    return SceneGraph(image=ImageInfo(width=W, height=H), objects=objs)


def test_shape_masks_fills_only_missing_masks_and_records_how(tmp_path):
    image, truth, box = textured_scene()
    given = np.zeros((H, W), bool)
    given[5:15, 5:25] = True
    g = _graph([box, [5, 5, 25, 15]], [None, given])
    shaped = shape_masks(g, image)
    o1, o2 = shaped.get("o1"), shaped.get("o2")
    assert iou(o1.mask.to_array(), truth) > 0.85 and o1.box == box
    assert o1.provenance.backend == "input" and getattr(o1.provenance, MASK_FROM) == "grabcut"
    assert o2.model_dump() == g.get("o2").model_dump()    # had a mask: untouched
    assert shaped_ids(shaped) == {"o1": "grabcut"}
    # a graph whose objects all have masks is returned as it is
    assert shape_masks(shaped, image) is shaped
    # the optional provenance key survives a round trip through the file
    shaped.save(tmp_path / "g.json")
    back = SceneGraph.load(tmp_path / "g.json")
    assert shaped_ids(back) == {"o1": "grabcut"}
    assert np.array_equal(back.mask_of("o1"), o1.mask.to_array())


def test_a_degenerate_box_falls_back_to_the_box_and_says_so():
    image, _, _ = textured_scene()
    g = shape_masks(_graph([[10, 10, 13, 40]]), image)
    assert shaped_ids(g) == {"o1": "box"}
    assert np.array_equal(g.mask_of("o1"), box_to_mask([10, 10, 13, 40], H, W))


def test_sam_is_used_when_configured(monkeypatch):
    sam = SamSegmenter("no/such-checkpoint")        # lazy: nothing is loaded here
    det = Owlv2Detector("no/such-checkpoint")
    assert segmenter_for(FoundationPerceiver(det, sam)) is sam
    assert isinstance(segmenter_for(FoundationPerceiver(det)), GrabCutSegmenter)
    assert isinstance(segmenter_for(se.ClassicalPerceiver()), GrabCutSegmenter)
    assert isinstance(segmenter_for(None), GrabCutSegmenter)
    monkeypatch.setenv("SCENEEDIT_SAM_MODEL", "/models/sam-vit-base")   # configured by env
    assert isinstance(segmenter_for(None), SamSegmenter)


def test_user_box_mask_and_clicks_are_shaped():
    image, truth, box = textured_scene()
    drawn = box_to_mask(box, H, W)                      # a rectangle drawn as the mask
    m, how = shape_user_region(image, mask=drawn)
    assert how == "grabcut" and iou(m, truth) > 0.85
    m2, _ = shape_user_region(image, box=box, points=[(100, 80)])
    assert iou(m2, truth) > 0.85
    free = truth.copy()                                 # a free-form mask is the user's shape
    m3, how3 = shape_user_region(image, mask=free)
    assert how3 == "as drawn" and np.array_equal(m3, free)
    with pytest.raises(InvalidInputError, match="outside"):
        shape_user_region(image, box=[W + 5, 0, W + 20, 10])
    with pytest.raises(InvalidInputError, match="x0 < x1"):
        shape_user_region(image, box=[50, 0, 40, 10])


def test_editor_shapes_a_boxes_only_graph_before_planning_and_explains_it():
    scene = make_scene()
    perceived = se.ClassicalPerceiver().perceive(scene.image)
    boxes_only = perceived.model_copy(update={"objects": [
        o.model_copy(update={"mask": None, "provenance": None}) for o in perceived.objects]})
    llm = ScriptedLLM(answer([{"op": "remove", "target": "o1"}]))
    r = se.Editor(llm=llm).edit(scene.image, "Remove the apple.", graph=boxes_only)
    assert set(shaped_ids(r.graph_before)) == set(boxes_only.ids)
    for o in perceived.objects:   # the shaped masks match what the perceiver segmented
        assert iou(r.graph_before.mask_of(o.id), o.mask.to_array()) > 0.85, o.id
    assert r.ok, r.message
    assert "masks shaped from boxes: o1 by grabcut" in r.explain()
    assert "masks shaped from boxes: o1 by grabcut" in r._repr_html_()


# ---------------------------------------------------------------- remove fill on textures
def _psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


def test_auto_feathers_the_exemplar_fill_into_the_hole_edge():
    rng = np.random.default_rng(1)
    clean = _texture(rng, np.array([120, 110, 90]), 35, 1.5).astype(np.uint8)
    hole = np.zeros((H, W), bool)
    cv2.circle(hole.view(np.uint8), (100, 80), 28, 1, -1)
    image = clean.copy()
    image[hole] = (200, 40, 40)
    auto = inpaint(image, hole)                           # the default for removal
    plain = inpaint(image, hole, "auto", feather=0)       # the exemplar fill alone
    ns = inpaint(image, hole, "ns")
    for out in (auto, plain, ns):
        assert np.array_equal(out[~hole], image[~hole])
    # the ring next to the edge follows Navier-Stokes, the deep interior the exemplar fill
    edge = hole & ~cv2.erode(hole.view(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    deep = cv2.erode(hole.view(np.uint8), np.ones((2 * int(FEATHER) + 3,) * 2,
                                                  np.uint8)).astype(bool)
    d_ns = np.abs(auto[edge].astype(int) - ns[edge]).mean()
    d_plain = np.abs(auto[edge].astype(int) - plain[edge]).mean()
    assert d_ns < d_plain
    assert np.array_equal(auto[deep], plain[deep])
    # closer to the truth than the exemplar fill alone, and still textured (not a smear)
    assert _psnr(auto[hole], clean[hole]) > _psnr(plain[hole], clean[hole])
    grey = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY)[deep].std() for x in (auto, ns, clean)]
    assert grey[0] > 1.5 * grey[1] and grey[0] > 0.5 * grey[2]


def test_smooth_surroundings_still_go_to_navier_stokes_alone():
    yy, xx = np.mgrid[:H, :W]
    clean = np.stack([60 + 0.5 * xx, 90 + 0.3 * yy, 120 + 0 * xx], -1).astype(np.uint8)
    hole = np.zeros((H, W), bool)
    hole[50:110, 70:140] = True
    image = clean.copy()
    image[hole] = 0
    assert np.array_equal(inpaint(image, hole), inpaint(image, hole, "ns"))


def test_a_repeating_pattern_keeps_the_exemplar_fill_unfeathered():
    # the synthetic domain's stripes: the exemplar fill continues them exactly, feathering
    # would blur their ends (benchmarks/inpaint_quality.py: 2-11 dB worse)
    yy, xx = np.mgrid[:H, :W]
    s = (np.sin((xx * 0.8 + yy * 0.6) * 2 * np.pi / 16) > 0)[..., None]
    stripes = np.where(s, np.array([200, 180, 60]), np.array([40, 60, 150])).astype(np.uint8)
    hole = np.zeros((H, W), bool)
    cv2.circle(hole.view(np.uint8), (100, 80), 24, 1, -1)
    image = stripes.copy()
    image[hole] = 0
    out = inpaint(image, hole)
    assert np.array_equal(out, inpaint(image, hole, feather=0))
    assert _psnr(out[hole], stripes[hole]) > 25


def test_cli_graph_files_are_shaped_and_bad_boxes_are_one_line(tmp_path):
    import subprocess
    import sys

    from sceneedit.cli import _load_graph_for
    from sceneedit.io import save_image

    image, truth, box = textured_scene()
    _graph([box]).save(tmp_path / "boxes.json")
    g = _load_graph_for(image, str(tmp_path / "boxes.json"))   # plan / render / refine
    assert shaped_ids(g) == {"o1": "grabcut"} and iou(g.mask_of("o1"), truth) > 0.85
    save_image(tmp_path / "in.png", image)
    run = subprocess.run([sys.executable, "-m", "sceneedit", "edit", str(tmp_path / "in.png"),
                          "Remove it.", "-o", str(tmp_path / "out.png"), "--box", "1,2,3"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "--box takes 4 comma-separated numbers" in run.stderr
    assert not (tmp_path / "out.png").exists()
