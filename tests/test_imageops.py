"""sceneedit.imageops: pixels outside each operation's documented region never change, inputs
are never written, and each operation does what it says (colours named right, objects where
asked, textures continued)."""
from __future__ import annotations

import numpy as np
import pytest

from sceneedit.errors import ValidationError
from sceneedit.imageops import (METHODS, STYLE_NAMES, STYLES, composite, cut, inpaint,
                                move_object, paste, preserve, recolor, resize_object,
                                resolve_style, restyle, swap_objects)
from sceneedit.masks import dilate, mask_box
from sceneedit.palette import PALETTE, name_pixels, srgb_to_lab

H, W = 96, 128


def frozen(a: np.ndarray) -> np.ndarray:
    """A read-only copy: any attempt by the code under test to write its input raises."""
    a = np.array(a)
    a.setflags(write=False)
    return a


def textured(h: int = H, w: int = W, seed: int = 0) -> np.ndarray:
    """Gradient + diagonal stripes + a little noise: a background with structure."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    stripes = 45 * np.sin((xx + 0.5 * yy) * 2 * np.pi / 11)
    img = np.stack([90 + 0.5 * xx + stripes, 120 + 0.4 * yy + stripes, 140 - stripes], -1)
    img += rng.normal(0, 2, img.shape)
    return frozen(np.clip(np.round(img), 0, 255).astype(np.uint8))


def disc(cy: int, cx: int, r: int, h: int = H, w: int = W) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    return frozen((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r)


def shaded_object(bg: np.ndarray, mask: np.ndarray, rgb, amount: float = 0.10) -> np.ndarray:
    """Paint ``rgb`` into ``mask`` with +-``amount`` smooth shading (lit from the left)."""
    h, w = mask.shape
    xx = np.mgrid[:h, :w][1].astype(np.float32)
    x0, _, x1, _ = mask_box(mask)
    t = (xx - x0) / max(x1 - x0 - 1, 1)  # 0 on the left edge, 1 on the right
    shade = 1 + amount * (1 - 2 * t)
    obj = np.clip(np.round(np.asarray(rgb, np.float32) * shade[..., None]), 0, 255)
    out = np.array(bg)
    out[mask] = obj[mask].astype(np.uint8)
    return frozen(out)


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    mse = np.mean((a[where].astype(np.float64) - b[where]) ** 2)
    return float(10 * np.log10(255 ** 2 / max(mse, 1e-12)))


def assert_outside_unchanged(before: np.ndarray, after: np.ndarray, region: np.ndarray) -> None:
    assert after.shape == before.shape and after.dtype == np.uint8
    assert np.array_equal(after[~region], before[~region]), "pixels outside the region changed"


# --------------------------------------------------------------------------- composite
def test_composite_hard_and_feathered():
    base, overlay = textured(), frozen(np.full((H, W, 3), 200, np.uint8))
    m = disc(48, 64, 20)
    hard = composite(base, overlay, m)
    assert np.array_equal(hard[m], overlay[m])
    assert_outside_unchanged(base, hard, m)

    soft = composite(base, overlay, m, feather=2)
    ring = dilate(m, 2) & ~m
    assert np.array_equal(soft[m], overlay[m])
    assert_outside_unchanged(base, soft, dilate(m, 2))
    # The ring is a blend: between base and overlay, and actually different from base.
    lo = np.minimum(base[ring], overlay[ring]).astype(int) - 1
    hi = np.maximum(base[ring], overlay[ring]).astype(int) + 1
    assert np.all((soft[ring] >= lo) & (soft[ring] <= hi))
    assert (soft[ring] != base[ring]).any()


def test_preserve_is_exact_outside_footprint():
    original, edited = textured(seed=1), textured(seed=2)
    fp = disc(30, 30, 12)
    out = preserve(original, edited, fp)
    assert np.array_equal(out[fp], edited[fp])
    assert_outside_unchanged(original, out, fp)
    with pytest.raises(ValidationError):
        preserve(original, edited, np.zeros((5, 5), bool))


# --------------------------------------------------------------------------- inpaint
@pytest.mark.parametrize("method", METHODS)
def test_inpaint_changes_only_the_mask(method):
    bg = textured()
    m = frozen(disc(40, 50, 14) | disc(80, 110, 2))  # one thick and one thin hole
    img = np.array(bg)
    img[m] = (255, 0, 0)
    img = frozen(img)
    out = inpaint(img, m, method)
    assert_outside_unchanged(img, out, m)
    assert not (out[m] == (255, 0, 0)).all(axis=-1).any(), "the object colour is still there"
    assert np.array_equal(out, inpaint(img, m, method)), "not deterministic"


def test_inpaint_validation_and_trivial_masks():
    img = textured()
    with pytest.raises(ValidationError) as err:
        inpaint(img, disc(40, 40, 5), "magic")
    assert err.value.field == "method" and err.value.choices == sorted(METHODS)
    empty = frozen(np.zeros((H, W), bool))
    assert np.array_equal(inpaint(img, empty), img)
    with pytest.raises(ValidationError):
        inpaint(img, frozen(np.ones((H, W), bool)))
    with pytest.raises(ValidationError):
        inpaint(img, np.zeros((H, W + 1), bool))


def test_auto_picks_by_hole_size_and_surroundings():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:H, :W].astype(np.float32)
    smooth = np.stack([60 + xx, 90 + 0.5 * yy, 150 - 0.3 * xx], -1) + rng.normal(0, 1.5, (H, W, 3))
    smooth = frozen(np.clip(np.round(smooth), 0, 255).astype(np.uint8))
    thick, thin = disc(45, 60, 15), disc(20, 20, 3)
    # A wall with sensor noise: diffusion is exact enough and 20x faster.
    assert np.array_equal(inpaint(smooth, thick), inpaint(smooth, thick, "ns"))
    tex = textured()
    # (auto feathers it into a Navier-Stokes edge ring: tests/test_mask_from_box.py)
    assert np.array_equal(inpaint(tex, thick, feather=0), inpaint(tex, thick, "multiscale"))
    assert np.array_equal(inpaint(tex, thin), inpaint(tex, thin, "ns"))


def test_multiscale_continues_texture_better_than_baselines():
    h, w = 160, 200
    truth = textured(h, w, seed=3)
    hole = np.zeros((h, w), bool)
    hole[55:105, 70:120] = True  # 50x50: a large hole for this image
    hole = frozen(hole)
    img = np.array(truth)
    img[hole] = (20, 200, 20)
    img = frozen(img)
    ring = dilate(hole, 3) & ~hole
    mean_fill = np.array(img)
    mean_fill[hole] = np.round(img[ring].mean(axis=0)).astype(np.uint8)
    score = {m: psnr(truth, inpaint(img, hole, m), hole) for m in ("multiscale", "telea")}
    baseline = psnr(truth, mean_fill, hole)
    assert score["multiscale"] > baseline + 6, (score, baseline)
    assert score["multiscale"] > score["telea"] + 6, (score, baseline)


@pytest.mark.parametrize("y0, x0", [(0, 0), (30, 0), (66, 103)])  # corner, side, corner
def test_inpaint_hole_touching_the_border(y0, x0):
    truth = textured()
    hole = np.zeros((H, W), bool)
    hole[y0:y0 + 30, x0:x0 + 25] = True
    img = np.array(truth)
    img[hole] = 0
    out = inpaint(frozen(img), frozen(hole), "multiscale")
    assert_outside_unchanged(img, out, hole)
    # Stripes seen from only two sides may continue with a phase slip; still far better than
    # a flat fill (~14 dB here).
    assert psnr(truth, out, hole) > 20


# --------------------------------------------------------------------------- recolor
def test_recolor_names_every_palette_pair():
    bg = frozen(np.full((40, 40, 3), 128, np.uint8))
    m = disc(20, 20, 13, 40, 40)
    failures = []
    for src, rgb in PALETTE.items():
        for amount in (0.10, -0.10):  # shading both ways
            img = shaded_object(bg, m, rgb, amount)
            for dst in PALETTE:
                out = recolor(img, m, dst)
                assert_outside_unchanged(img, out, m)
                got = name_pixels(out[m])
                if got != dst:
                    failures.append((src, dst, amount, got))
    assert not failures


def test_recolor_names_right_from_arbitrary_sources():
    """Sources that are not palette colours: dull (beige, olive), dark, light, one pixel."""
    bg = frozen(np.full((40, 40, 3), 128, np.uint8))
    m = disc(20, 20, 13, 40, 40)
    sources = [(200, 190, 170), (120, 125, 90), (60, 40, 45), (250, 240, 255), (135, 145, 161)]
    sources += [tuple(c) for c in np.random.default_rng(0).integers(0, 256, (10, 3))]
    one = np.zeros((40, 40), bool)
    one[20, 12] = True  # a single pixel of the object
    for rgb in sources:
        img = shaded_object(bg, m, rgb, 0.1)
        for dst in PALETTE:
            assert name_pixels(recolor(img, m, dst)[m]) == dst, (rgb, dst)
            assert name_pixels(recolor(img, one, dst)[one]) == dst, (rgb, dst)


def test_recolor_keeps_shading_and_feathers_only_the_ring():
    m = disc(48, 64, 30)
    img = shaded_object(textured(), m, PALETTE["red"], 0.25)
    out = recolor(img, m, "blue")
    l_in, l_out = srgb_to_lab(img[m])[:, 0], srgb_to_lab(out[m])[:, 0]
    assert np.corrcoef(l_in, l_out)[0, 1] > 0.95  # light-to-dark left-to-right survives
    assert name_pixels(out[m]) == "blue"

    soft = recolor(img, m, "green", feather=2)
    assert_outside_unchanged(img, soft, dilate(m, 2))
    assert name_pixels(soft[m]) == "green"
    ring = dilate(m, 1) & ~m
    assert (soft[ring] != img[ring]).any()


def test_recolor_rejects_unknown_colour_and_accepts_grey():
    img, m = textured(), disc(48, 64, 10)
    with pytest.raises(ValidationError) as err:
        recolor(img, m, "mauve")
    assert "red" in err.value.choices
    assert name_pixels(recolor(img, m, "grey")[m]) == "gray"


# --------------------------------------------------------------------------- restyle
@pytest.mark.parametrize("text, style", [
    ("made of wood", "wood"), ("Wooden", "wood"), ("polka-dot fabric", "dotted"),
    ("Striped!", "striped"), ("give it a chrome finish", "metallic"), ("metal", "metallic"),
    ("checkerboard pattern", "checkered"), ("marble", "marble"),
    ("transparent like glass", "glass"), ("striped and wooden", "striped"),
])
def test_resolve_style(text, style):
    assert resolve_style(text) == style


def test_resolve_style_unknown_lists_styles():
    for text in ("fluffy", "", "woodpecker"):
        with pytest.raises(ValidationError) as err:
            resolve_style(text)
        assert err.value.field == "style" and err.value.choices == sorted(STYLE_NAMES)
    assert set(STYLE_NAMES) == set(STYLES)
    assert all(name in words for name, words in STYLES.items())


@pytest.mark.parametrize("style", STYLE_NAMES)
def test_restyle_changes_only_the_object_and_keeps_shading(style):
    bg = textured()
    m = disc(48, 60, 30)
    flat = shaded_object(bg, m, (60, 120, 200), 0.0)
    shaded = shaded_object(bg, m, (60, 120, 200), 0.25)
    out = restyle(shaded, m, style, seed=1)
    assert_outside_unchanged(shaded, out, m)
    assert (out[m] != shaded[m]).any(axis=-1).mean() > 0.5
    assert np.array_equal(out, restyle(shaded, m, style, seed=1))
    if style != "glass":
        # Same pattern painted on a flat and on a shaded object: the difference in lightness
        # is the object's own shading (lit left, dark right).
        diff = srgb_to_lab(out[m])[:, 0] - srgb_to_lab(restyle(flat, m, style, seed=1)[m])[:, 0]
        dev = srgb_to_lab(shaded[m])[:, 0] - srgb_to_lab(flat[m])[:, 0]
        assert np.corrcoef(diff, dev)[0, 1] > 0.8
    if style in ("wood", "striped", "dotted", "checkered", "marble"):
        assert not np.array_equal(out, restyle(shaded, m, style, seed=2))


# --------------------------------------------------------------------------- paste
def scene_with_two_objects():
    bg = textured()
    a = disc(60, 30, 12)  # red disc, left
    b = np.zeros((H, W), bool)
    b[40:80, 85:105] = True  # blue bar, right
    b = frozen(b)
    img = np.array(bg)
    img[a] = (220, 30, 30)
    img[b] = (30, 30, 220)
    return frozen(img), a, b


def is_red(px: np.ndarray) -> np.ndarray:
    return (px[..., 0] > 180) & (px[..., 1] < 70) & (px[..., 2] < 70)


def is_blue(px: np.ndarray) -> np.ndarray:
    return (px[..., 2] > 180) & (px[..., 0] < 70) & (px[..., 1] < 70)


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return np.array([xs.mean(), ys.mean()])


def test_cut_and_paste_with_clipping():
    img, a, _ = scene_with_two_objects()
    rgb, pm, box = cut(img, a)
    assert box == mask_box(a) and pm.shape == (box[3] - box[1], box[2] - box[0])
    assert np.array_equal(rgb[pm], img[a])
    with pytest.raises(ValidationError):
        cut(img, np.zeros((H, W), bool))

    out, pasted = paste(img, rgb, pm, (5, 10))
    assert pasted.sum() == pm.sum() and mask_box(pasted)[:2] == [5, 10]
    assert_outside_unchanged(img, out, pasted)
    assert is_red(out[pasted]).all()

    out, pasted = paste(img, rgb, pm, (W - 10, -5))  # mostly outside: clipped
    assert 0 < pasted.sum() < pm.sum()
    assert_outside_unchanged(img, out, pasted)

    out, pasted = paste(img, rgb, pm, [60, 20, 100, 40])  # stretched into a box
    assert mask_box(pasted) == [60, 20, 100, 40]
    out, pasted = paste(img, rgb, pm, (0, 0), scale=0.5)
    assert mask_box(pasted)[2] == pytest.approx(pm.shape[1] / 2, abs=1)


def test_move_object():
    img, a, _ = scene_with_two_objects()
    dst = [40, 5, 80, 35]  # top middle, smaller than the object: it is scaled to fit
    out, changed = move_object(img, a, dst)
    assert_outside_unchanged(img, out, changed)
    red = is_red(out)
    assert np.allclose(centroid(red), [60, 20], atol=1.5)
    x0, y0, x1, y1 = mask_box(red)
    assert x0 >= 40 and x1 <= 80 and y0 >= 5 and y1 <= 35
    assert is_red(out[a]).mean() < 0.02  # the old place is background now


def test_resize_object_bottom_and_center():
    img, _, b = scene_with_two_objects()
    out, changed = resize_object(img, b, 0.5, anchor="bottom")
    assert_outside_unchanged(img, out, changed)
    x0, y0, x1, y1 = mask_box(is_blue(out))
    assert y1 == 80 and abs((x0 + x1) / 2 - 95) <= 1
    assert abs((x1 - x0) - 10) <= 1 and abs((y1 - y0) - 20) <= 1

    out, changed = resize_object(img, b, 1.5, anchor="center")
    assert_outside_unchanged(img, out, changed)
    assert np.allclose(centroid(is_blue(out)), centroid(b), atol=1.0)
    assert is_blue(out).sum() == pytest.approx(b.sum() * 2.25, rel=0.1)
    with pytest.raises(ValidationError):
        resize_object(img, b, 1.0, anchor="top")


def test_swap_objects():
    img, a, b = scene_with_two_objects()
    out, changed = swap_objects(img, a, b)
    assert_outside_unchanged(img, out, changed)
    red, blue = is_red(out), is_blue(out)
    assert red.sum() == pytest.approx(a.sum(), rel=0.05)
    assert blue.sum() == pytest.approx(b.sum(), rel=0.05)
    # Each is centred on the other's box and stands on the other's bottom edge.
    assert abs(centroid(red)[0] - centroid(b)[0]) <= 1 and mask_box(red)[3] == mask_box(b)[3]
    assert abs(centroid(blue)[0] - centroid(a)[0]) <= 1 and mask_box(blue)[3] == mask_box(a)[3]
