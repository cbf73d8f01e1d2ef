"""The synthetic scene domain: categories, drawing, phrases and the seeded generator."""
from __future__ import annotations

import json

import numpy as np
import pytest

from sceneedit.errors import InvalidInputError, ValidationError
from sceneedit.masks import dilate, mask_box
from sceneedit.palette import COLOR_NAMES, PALETTE, check_color, name_pixels, srgb_to_lab
from sceneedit.scene import SceneGraph
from sceneedit.synthetic import (CATEGORIES, CATEGORY_NAMES, category_table, draw_object,
                                 generate_scene, get_category, occupied_mask,
                                 parse_object_phrase, place_free_box)
from sceneedit.synthetic.backgrounds import STYLES
from sceneedit.synthetic.generator import GAP, MARGIN

CANVAS = (160, 200, 3)


def blank(value: int = 200) -> np.ndarray:
    return np.full(CANVAS, value, np.uint8)


# ---- categories --------------------------------------------------------------------------------
def test_registry_declares_separable_everyday_and_geometric_categories():
    assert 12 <= len(CATEGORIES) <= 14
    for required in ("apple", "orange", "banana", "lemon", "mug", "lamp", "book", "circle",
                     "square", "triangle", "star"):
        assert required in CATEGORIES
    for cat in CATEGORIES.values():
        assert cat.kind and cat.description
        assert cat.colors and all(c in PALETTE for c in cat.colors)
        assert 0 < cat.aspect[0] <= cat.aspect[1]
        assert 0 < cat.size[0] < cat.size[1]
    # natural things keep natural colours
    assert CATEGORIES["banana"].colors == ("yellow",)
    assert CATEGORIES["orange"].colors == ("orange",)
    assert set(CATEGORIES["apple"].colors) <= {"red", "green", "yellow"}
    assert CATEGORIES["apple"].kind == CATEGORIES["banana"].kind == "fruit"
    assert CATEGORIES["lamp"].kind == "light"


def test_get_category_resolves_synonyms_and_lists_choices():
    assert get_category("Floor  Lamp").name == "lamp"
    assert get_category("donut").name == "ring"
    with pytest.raises(ValidationError) as exc:
        get_category("cat")
    assert exc.value.choices == sorted(CATEGORY_NAMES)
    assert "apple" in str(exc.value)
    assert "| apple | fruit |" in category_table()


# ---- drawing -----------------------------------------------------------------------------------
@pytest.mark.parametrize("category", CATEGORY_NAMES)
def test_draw_object_mask_is_exactly_the_changed_pixels(category):
    img = blank()
    before = img.copy()
    out, mask = draw_object(img, category, None, [30, 20, 150, 140], np.random.default_rng(1))
    assert np.array_equal(img, before), "the input image must not be modified"
    assert mask.dtype == bool and mask.shape == img.shape[:2]
    assert np.array_equal((out != img).any(axis=2), mask)
    x0, y0, x1, y1 = mask_box(mask)
    assert x0 >= 30 and y0 >= 20 and x1 <= 150 and y1 <= 140
    assert mask.sum() > 1000


@pytest.mark.parametrize("category", CATEGORY_NAMES)
def test_shading_keeps_every_colour_name(category):
    """The lighting gradient never moves an object's pixels to another palette name."""
    colors = COLOR_NAMES if CATEGORIES[category].kind == "shape" else CATEGORIES[category].colors
    for i, color in enumerate(colors):
        out, mask = draw_object(blank(), category, color, [20, 10, 180, 150], i)
        assert name_pixels(out[mask]) == color, (category, color)
        lightness = srgb_to_lab(out[mask])[:, 0]
        base = srgb_to_lab(np.array(PALETTE[color]))[0]
        body = np.abs(lightness - base) <= 0.1 * base + 1  # +-10% (and rounding) of L*
        assert body.mean() > 0.5, (category, color)


def test_draw_object_is_deterministic_for_a_seed_and_accepts_synonyms():
    a = draw_object(blank(), "floor lamp", "red", [50, 10, 120, 150], 5)
    b = draw_object(blank(), "lamp", "red", [50, 10, 120, 150], np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_draw_object_errors_name_the_field_and_choices():
    with pytest.raises(ValidationError) as exc:
        draw_object(blank(), "unicorn", "red", [0, 0, 50, 50])
    assert exc.value.field == "category" and "lamp" in exc.value.choices
    with pytest.raises(ValidationError) as exc:
        draw_object(blank(), "apple", "mauve", [0, 0, 50, 50])
    assert exc.value.field == "color" and exc.value.choices == sorted(COLOR_NAMES)
    with pytest.raises(ValidationError) as exc:
        draw_object(blank(), "apple", "red", [50, 0, 10, 50])
    assert exc.value.field == "box"
    with pytest.raises(InvalidInputError):
        draw_object(np.zeros((10, 10), np.uint8), "apple", "red", [0, 0, 5, 5])
    with pytest.raises(InvalidInputError):
        draw_object(np.zeros((10, 10, 3), np.float32), "apple", "red", [0, 0, 5, 5])


def test_draw_object_clips_at_the_image_border():
    out, mask = draw_object(blank(), "circle", "blue", [-40, -40, 60, 60], 0)
    assert mask.any() and np.array_equal((out != blank()).any(axis=2), mask)


# ---- phrases -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("a red apple", ("apple", "red")),
    ("floor lamp", ("lamp", None)),
    ("two blue mugs", ("mug", "blue")),
    ("an orange", ("orange", None)),
    ("Oranges", ("orange", None)),
    ("an orange ball", ("ball", "orange")),
    ("a grey coffee cup", ("mug", "gray")),
    ("a light blue cup", ("mug", "blue")),
    ("the green bananas", ("banana", "green")),
    ("a lamp that is red", ("lamp", "red")),
    ("Donut!", ("ring", None)),
    ("a small purple star", ("star", "purple")),
])
def test_parse_object_phrase(text, expected):
    assert parse_object_phrase(text) == expected


@pytest.mark.parametrize("text", ["a cat", "", "an apple and a banana"])
def test_parse_object_phrase_rejects_unknown_or_several(text):
    with pytest.raises(ValidationError) as exc:
        parse_object_phrase(text)
    assert exc.value.field == "what"
    assert exc.value.choices == sorted(CATEGORY_NAMES)


def test_every_category_name_and_synonym_parses_to_itself():
    for name, cat in CATEGORIES.items():
        for word in (name, *cat.synonyms):
            assert parse_object_phrase(f"a {word}") == (name, None), word


# ---- scenes ------------------------------------------------------------------------------------
def test_generate_scene_is_deterministic():
    a, b = generate_scene(11), generate_scene(11)
    assert np.array_equal(a.image, b.image)
    assert np.array_equal(a.background, b.background)
    assert a.graph.to_json() == b.graph.to_json()
    c = generate_scene(12)
    assert not np.array_equal(a.image, c.image)


@pytest.mark.parametrize("seed", range(8))
def test_ground_truth_matches_drawn_pixels_and_objects_keep_apart(seed):
    scene = generate_scene(seed)
    g = scene.graph
    assert 3 <= len(g.objects) <= 7
    assert g.ids == [f"o{i + 1}" for i in range(len(g.objects))]
    masks = [g.mask_of(i) for i in g.ids]
    union = np.logical_or.reduce(masks)
    # the image differs from its background exactly on the objects
    assert np.array_equal((scene.image != scene.background).any(axis=2), union)
    h, w = scene.image.shape[:2]
    for obj, m in zip(g.objects, masks):
        assert obj.box == mask_box(m)
        assert obj.label in CATEGORIES and obj.attributes["kind"] == CATEGORIES[obj.label].kind
        assert obj.attributes["color"] in CATEGORIES[obj.label].colors
        assert obj.provenance.backend == "synthetic"
        x0, y0, x1, y1 = obj.box
        assert x0 >= MARGIN and y0 >= MARGIN and x1 <= w - MARGIN and y1 <= h - MARGIN
    for i, a in enumerate(masks):  # no overlap, no touching: a gap of several pixels
        grown = dilate(a, GAP // 2)
        for b in masks[i + 1:]:
            assert not (grown & b).any()


@pytest.mark.parametrize("seed", range(4))
def test_objects_contrast_with_the_background_under_them(seed):
    scene = generate_scene(seed)
    lab_img, lab_bg = srgb_to_lab(scene.image), srgb_to_lab(scene.background)
    for oid in scene.graph.ids:
        m = scene.graph.mask_of(oid)
        de = np.sqrt(((lab_img[m] - lab_bg[m]) ** 2).sum(axis=1))
        assert np.percentile(de, 1) > 20, oid


def test_graph_round_trips_and_has_relations():
    g = generate_scene(3).graph
    assert g.relations is not None and len(g.relations) > 0
    again = SceneGraph.from_json(g.to_json())
    assert again.to_json() == g.to_json()
    assert json.loads(g.to_json())["format"] == "sceneedit.scene-graph/1"


def test_requested_objects_are_drawn():
    scene = generate_scene(5, objects=[("apple", "red"), ("mug", "blue"), "lamp",
                                       ("banana", None)])
    got = sorted((o.label, o.attributes["color"]) for o in scene.graph.objects)
    assert [lab for lab, _ in got] == ["apple", "banana", "lamp", "mug"]
    assert ("apple", "red") in got and ("mug", "blue") in got and ("banana", "yellow") in got


def test_unusual_requested_colours_still_fit():
    for color in COLOR_NAMES:
        scene = generate_scene(1, objects=[("hexagon", color), ("ball", None)])
        assert scene.graph.objects and {o.label for o in scene.graph.objects} == {"hexagon",
                                                                                   "ball"}


def test_generator_errors():
    with pytest.raises(ValidationError) as exc:
        generate_scene(0, objects=[("apple", "red"), ("unicorn", None)])
    assert exc.value.field == "objects[1]"
    with pytest.raises(ValidationError) as exc:
        generate_scene(0, objects=[("apple", "mauve")])
    assert exc.value.field == "objects[0].color"
    with pytest.raises(ValidationError) as exc:
        generate_scene(0, background="marble")
    assert exc.value.field == "background" and "wood" in exc.value.choices
    with pytest.raises(ValidationError):
        generate_scene(0, n_objects=60)
    with pytest.raises(ValidationError):
        generate_scene(0, width=32, height=32)


@pytest.mark.parametrize("style", STYLES)
def test_every_background_style_and_size(style):
    scene = generate_scene(2, background=style, width=320, height=240)
    assert scene.image.shape == (240, 320, 3) and scene.style.startswith(style)
    assert len(scene.graph.objects) >= 3


def test_place_free_box():
    rng = np.random.default_rng(0)
    free = np.zeros((100, 120), bool)
    box = place_free_box(free, (30, 20), rng)
    assert box is not None and box[2] - box[0] == 30 and box[3] - box[1] == 20
    assert box[0] >= MARGIN and box[3] <= 100 - MARGIN
    assert place_free_box(np.ones((100, 120), bool), (10, 10), rng) is None
    assert place_free_box(free, (200, 10), rng) is None
    inside = place_free_box(free, (20, 20), rng, within=[60, 0, 120, 100])
    assert inside[0] >= 60
    scene = generate_scene(4)
    taken = dilate(occupied_mask(scene.graph), GAP - 1)
    for _ in range(20):
        b = place_free_box(scene.graph, (40, 40), rng)
        assert b is not None and not taken[b[1]:b[3], b[0]:b[2]].any()


def test_palette_names_used_are_valid():
    for cat in CATEGORIES.values():
        for c in cat.colors:
            assert check_color(c) == c
