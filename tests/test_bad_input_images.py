"""Hostile and unusual image files (issue 13, items 4 and 10).

Decompression bombs are refused from the header in every command that reads an image: exit 2,
one line that says how to raise the limit, no traceback, nothing written. Everything else is
decoded as a careful viewer shows it (EXIF orientation, 16-bit and float scaled, transparency
on white, CMYK, palettes), or refused clearly (animations, multi-page files). Fixtures are
built here with PIL/numpy; each decoding case checks the decoded pixels themselves.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sceneedit.errors import InvalidInputError
from sceneedit.image_decode import (DEFAULT_MAX_PIXELS, MAX_PIXELS_ENV, TRANSPARENT_BACKGROUND,
                                    ImageDecodeWarning, decode_image, max_image_pixels)
from sceneedit.io import MAX_IMAGE_PIXELS, load_image
from sceneedit.synthetic import generate_scene

ROOT = Path(__file__).resolve().parents[1]
PLAN = {"format": "sceneedit.plan/1", "instruction": "remove o1",
        "edits": [{"op": "remove", "target": "o1"}], "unresolved": None}


def run(*args, env=None, timeout=120):
    full = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "sceneedit", *map(str, args)],
                          capture_output=True, text=True, env=full, timeout=timeout, cwd=ROOT)


def _png(path: Path, width: int, height: int, bit_depth: int, idat: bytes) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    colour_type = 2 if bit_depth == 8 else 0  # 8-bit RGB, or 1-bit grey
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
                     + chunk(b"IEND", b""))
    return path


def header_bomb(path: Path, width: int = 50_000, height: int = 50_000) -> Path:
    """A few hundred bytes declaring ``width x height`` RGB: the size is all there is."""
    return _png(path, width, height, 8, zlib.compress(b"\0" * 1000))


@pytest.fixture(scope="module")
def real_bomb(tmp_path_factory) -> Path:
    """A complete, decodable 20000x20000 PNG (1-bit grey, 218 KB on disk, 400 M pixels)."""
    side = 20_000
    packer = zlib.compressobj(1)
    rows = (b"\0" * (side // 8 + 1)) * 500
    idat = b"".join(packer.compress(rows) for _ in range(side // 500)) + packer.flush()
    return _png(tmp_path_factory.mktemp("bomb") / "real.png", side, side, 1, idat)


@pytest.fixture(scope="module")
def scene_png(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scene") / "scene.png"
    Image.fromarray(generate_scene(4).image).save(path)
    return path


def assert_refused(r, tmp: Path, before: set[Path], *needles: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    for needle in needles:
        assert needle in r.stderr, r.stderr
    assert set(tmp.rglob("*")) == before, "a refused command wrote files"


# ---------------------------------------------------------------- decompression bombs (item 4)

BOMB_COMMANDS = {
    "graph": lambda img, d: ["graph", img, "--out", d / "g.json", "--png", d / "g.png"],
    "render": lambda img, d: ["render", d / "plan.json", "--image", img, "-o", d / "out.png"],
    "edit": lambda img, d: ["edit", img, "remove the apple", "-o", d / "out.png"],
    "plan": lambda img, d: ["plan", img, "remove the apple", "-o", d / "plan-out.json"],
    "refine": lambda img, d: ["refine", img, "remove the apple"],
}


@pytest.mark.parametrize("command", sorted(BOMB_COMMANDS))
def test_header_bomb_is_refused_in_every_command(tmp_path, command):
    bomb = header_bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 400
    (tmp_path / "plan.json").write_text(json.dumps(PLAN))
    before = set(tmp_path.rglob("*"))
    r = run(*BOMB_COMMANDS[command](bomb, tmp_path))
    assert_refused(r, tmp_path, before, "2,500,000,000 pixels", "more than the limit of",
                   f"{MAX_PIXELS_ENV}=2500000000")


@pytest.mark.parametrize("command", ["graph", "render", "edit"])
def test_real_20000_square_png_is_refused(tmp_path, real_bomb, command):
    (tmp_path / "plan.json").write_text(json.dumps(PLAN))
    before = set(tmp_path.rglob("*"))
    r = run(*BOMB_COMMANDS[command](real_bomb, tmp_path))
    assert_refused(r, tmp_path, before, "is 400,000,000 pixels", f"{MAX_PIXELS_ENV}=400000000")


def test_bomb_as_an_edit_mask_is_refused(tmp_path, scene_png):
    bomb = header_bomb(tmp_path / "mask.png")
    before = set(tmp_path.rglob("*"))
    r = run("edit", scene_png, "remove the apple", "--mask", bomb, "-o", tmp_path / "out.png")
    assert_refused(r, tmp_path, before, "mask.png", "more than the limit")


def test_bomb_in_a_plans_folder_fails_that_plan_only(tmp_path):
    plans, images, out = tmp_path / "plans", tmp_path / "images", tmp_path / "out"
    plans.mkdir(), images.mkdir()
    header_bomb(images / "bomb.png")
    (plans / "p.json").write_text(json.dumps({**PLAN, "image_name": "bomb.png"}))
    r = run("render", plans, "--images", images, "-o", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    summary = json.loads((out / "render-summary.json").read_text())
    assert "more than the limit" in summary[0]["error"] and summary[0]["output"] is None
    assert sorted(p.name for p in out.iterdir()) == ["render-summary.json"]


def test_limit_is_lowered_by_the_environment_and_the_message_says_how_to_raise_it(tmp_path,
                                                                                 scene_png):
    before = set(tmp_path.rglob("*"))
    r = run("graph", scene_png, "--out", tmp_path / "g.json", env={MAX_PIXELS_ENV: "100000"})
    assert_refused(r, tmp_path, before, "512x384 = 196,608 pixels", "limit of 100,000",
                   f"{MAX_PIXELS_ENV}=196608")
    r = run("graph", scene_png, "--out", tmp_path / "g.json", env={MAX_PIXELS_ENV: "196608"})
    assert r.returncode == 0 and (tmp_path / "g.json").is_file(), r.stderr


@pytest.mark.parametrize("value", ["lots", "-5", "0", "1e9"])
def test_a_malformed_limit_is_a_clear_error(tmp_path, scene_png, value):
    before = set(tmp_path.rglob("*"))
    r = run("graph", scene_png, "--out", tmp_path / "g.json", env={MAX_PIXELS_ENV: value})
    assert_refused(r, tmp_path, before, MAX_PIXELS_ENV, "positive whole number")


def test_raising_the_limit_reads_a_larger_image(tmp_path, monkeypatch):
    Image.new("L", (6000, 5000), 77).save(tmp_path / "big.png")  # 30 MP, above the default
    with pytest.raises(InvalidInputError, match="6000x5000"):
        load_image(tmp_path / "big.png")
    monkeypatch.setenv(MAX_PIXELS_ENV, "30_000_000")
    assert max_image_pixels() == 30_000_000
    pixels = load_image(tmp_path / "big.png")
    assert pixels.shape == (5000, 6000, 3) and (pixels == 77).all()


def test_a_limit_above_pillows_own_replaces_its_bomb_error(tmp_path, monkeypatch):
    # Pillow raises its DecompressionBombError past 179 MP; a user who allowed 200 MP gets the
    # file read (here: found truncated), not Pillow's refusal.
    bomb = header_bomb(tmp_path / "b.png", 15_000, 13_000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after
    monkeypatch.setenv(MAX_PIXELS_ENV, "200000000")
    with pytest.raises(InvalidInputError, match="cannot be decoded"):
        load_image(bomb)
    assert Image.MAX_IMAGE_PIXELS == 200_000_000


def test_the_default_limit_is_the_one_constant(monkeypatch):
    monkeypatch.delenv(MAX_PIXELS_ENV, raising=False)
    assert MAX_IMAGE_PIXELS == DEFAULT_MAX_PIXELS == max_image_pixels() == 25_000_000


# ---------------------------------------------------------------- decoding (item 10)

def decoded(path: Path, **kw) -> tuple[np.ndarray, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pixels = load_image(path, **kw)
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    return pixels, [str(w.message) for w in caught if w.category is ImageDecodeWarning]


RAMP16 = (np.arange(256 * 8, dtype=np.uint32).reshape(8, 256) * 32).astype(np.uint16)  # 0..65504


def scaled16(values: np.ndarray) -> np.ndarray:
    return np.rint(values.astype(np.float64) / 257.0).astype(np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_16bit_grey_keeps_its_gradient(tmp_path, suffix):
    Image.fromarray(RAMP16).save(tmp_path / f"g16{suffix}")
    assert Image.open(tmp_path / f"g16{suffix}").mode.startswith("I;16")
    pixels, _ = decoded(tmp_path / f"g16{suffix}")
    assert (pixels == scaled16(RAMP16)[:, :, None]).all()
    assert len(np.unique(pixels)) == 256 and (pixels == 255).mean() < 0.01  # was 99.6 % clipped


def test_16bit_rgb_is_scaled(tmp_path):
    import cv2

    rgb = np.stack([RAMP16, RAMP16[:, ::-1], np.full_like(RAMP16, 40000)], axis=2)
    cv2.imwrite(str(tmp_path / "rgb16.png"), rgb[:, :, ::-1])  # cv2 writes BGR
    pixels, _ = decoded(tmp_path / "rgb16.png")
    assert np.abs(pixels.astype(int) - scaled16(rgb)).max() <= 1


def test_32bit_integer_grey_in_16bit_range_is_scaled_and_beyond_it_refused(tmp_path):
    Image.fromarray(RAMP16.astype(np.int32)).save(tmp_path / "i32.tif")
    assert Image.open(tmp_path / "i32.tif").mode == "I"
    pixels, _ = decoded(tmp_path / "i32.tif")
    assert (pixels[:, :, 0] == scaled16(RAMP16)).all()
    Image.fromarray(np.array([[0, 70000]], np.int32)).save(tmp_path / "wide.tif")
    with pytest.raises(InvalidInputError, match="0..70000"):
        load_image(tmp_path / "wide.tif")


def test_float_grey_in_unit_range_is_scaled_else_refused(tmp_path):
    ramp = np.linspace(0, 1, 256, dtype=np.float32).reshape(1, 256)
    Image.fromarray(ramp).save(tmp_path / "f.tif")
    pixels, _ = decoded(tmp_path / "f.tif")
    assert (pixels[0, :, 0] == np.arange(256)).all()
    Image.fromarray(ramp * 1000).save(tmp_path / "hdr.tif")
    with pytest.raises(InvalidInputError, match="tone-map"):
        load_image(tmp_path / "hdr.tif")


def _marked(width: int = 6, height: int = 4) -> np.ndarray:
    """An image whose every pixel is distinct, so any rotation or flip shows."""
    idx = np.arange(width * height, dtype=np.uint8).reshape(height, width) * 9
    return np.stack([idx, 255 - idx, np.full_like(idx, 128)], axis=2)


@pytest.mark.parametrize("orientation, upright", [
    (2, lambda a: a[:, ::-1]),                  # mirrored
    (3, lambda a: np.rot90(a, 2)),              # upside down
    (6, lambda a: np.rot90(a, -1)),             # stored 90 degrees anticlockwise (phones)
    (8, lambda a: np.rot90(a, 1)),              # stored 90 degrees clockwise
])
def test_exif_orientation_is_applied(tmp_path, orientation, upright):
    raw = _marked()
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(raw).save(tmp_path / "o.png", exif=exif)
    pixels, notes = decoded(tmp_path / "o.png")
    assert (pixels == upright(raw)).all()
    assert any(f"EXIF orientation {orientation} applied" in n for n in notes)


@pytest.mark.parametrize("junk", [b"MM\x00*garbage", b"II*\x00\x08\x00\x00\x00\xff\xff", b"\0"])
def test_a_broken_exif_block_is_ignored_like_a_viewer_does(tmp_path, junk):
    Image.fromarray(_marked()).save(tmp_path / "x.png")
    data = (tmp_path / "x.png").read_bytes()
    at = data.index(b"IDAT") - 4
    exif = (struct.pack(">I", len(junk)) + b"eXIf" + junk
            + struct.pack(">I", zlib.crc32(b"eXIf" + junk) & 0xFFFFFFFF))
    (tmp_path / "broken.png").write_bytes(data[:at] + exif + data[at:])
    pixels, notes = decoded(tmp_path / "broken.png")
    assert (pixels == _marked()).all() and notes == []


def test_graph_frame_of_an_exif_rotated_photo_is_upright(tmp_path, scene_png):
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = np.rot90(np.asarray(Image.open(scene_png)), 1)  # what a phone stores
    Image.fromarray(np.ascontiguousarray(stored)).save(tmp_path / "photo.png", exif=exif)
    r = run("graph", tmp_path / "photo.png", "--out", tmp_path / "g.json")
    assert r.returncode == 0, r.stderr
    graph = json.loads((tmp_path / "g.json").read_text())
    assert (graph["image"]["width"], graph["image"]["height"]) == (512, 384)
    assert "warning: image" in r.stderr and "EXIF orientation 6" in r.stderr


def test_rgba_transparent_area_is_the_stated_background(tmp_path):
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[:, :3] = (200, 10, 30, 255)      # opaque red on the left
    rgba[:, 3:5] = (0, 0, 0, 0)           # fully transparent: must not read as black
    rgba[:, 5] = (0, 0, 255, 128)         # half-transparent blue
    Image.fromarray(rgba).save(tmp_path / "a.png")
    pixels, notes = decoded(tmp_path / "a.png")
    assert TRANSPARENT_BACKGROUND == (255, 255, 255)
    assert (pixels[:, :3] == (200, 10, 30)).all()
    assert (pixels[:, 3:5] == TRANSPARENT_BACKGROUND).all()
    assert (pixels[:, 5] == (127, 127, 255)).all()
    assert any("12 transparent or translucent pixels composited on RGB(255, 255, 255)" in n
               for n in notes)


def test_opaque_rgba_decodes_silently(tmp_path):
    rgba = np.dstack([_marked(), np.full((4, 6), 255, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "opaque.png")
    pixels, notes = decoded(tmp_path / "opaque.png")
    assert (pixels == _marked()).all() and notes == []


def test_grey_with_alpha_is_composited(tmp_path):
    la = Image.fromarray(np.array([[[60, 255], [60, 0]]], np.uint8), "LA")
    la.save(tmp_path / "la.png")
    pixels, _ = decoded(tmp_path / "la.png")
    assert pixels[0, 0].tolist() == [60, 60, 60] and pixels[0, 1].tolist() == [255, 255, 255]


@pytest.mark.parametrize("suffix", [".png", ".gif"])
def test_palette_with_a_transparent_index(tmp_path, suffix):
    pal = Image.fromarray(np.array([[0, 1, 2, 1]], np.uint8), "P")
    pal.putpalette([0, 0, 0, 250, 200, 0, 0, 90, 180] + [0] * (256 * 3 - 9))
    pal.save(tmp_path / f"p{suffix}", transparency=0)
    pixels, notes = decoded(tmp_path / f"p{suffix}")
    assert pixels[0].tolist() == [[255, 255, 255], [250, 200, 0], [0, 90, 180], [250, 200, 0]]
    assert notes


def test_rgb_colour_key_transparency(tmp_path):
    key = tuple(_marked()[0, 0].tolist())
    Image.fromarray(_marked()).save(tmp_path / "key.png", transparency=key)
    pixels, _ = decoded(tmp_path / "key.png")
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert (pixels.reshape(-1, 3)[1:] == _marked().reshape(-1, 3)[1:]).all()


def test_a_transparent_mask_area_is_not_selected(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 255, 255, 255)  # the selected pixel; the rest is transparent
    Image.fromarray(rgba).save(tmp_path / "mask.png")
    with pytest.warns(ImageDecodeWarning, match=r"3 transparent .* on RGB\(0, 0, 0\)"):
        mask = load_image(tmp_path / "mask.png", background=(0, 0, 0)).any(axis=2)
    assert mask.tolist() == [[True, False], [False, False]]


def test_transparent_background_does_not_invent_objects(tmp_path):
    """The issue's case: RGBA read as black found 4 objects instead of 7."""
    scene = generate_scene(7, background="plain", n_objects=6)
    inside = np.zeros(scene.image.shape[:2], bool)
    for o in scene.graph.objects:
        inside |= scene.graph.mask_of(o.id)
    rgba = np.dstack([scene.image * inside[:, :, None], np.where(inside, 255, 0)]).astype(np.uint8)
    Image.fromarray(rgba).save(tmp_path / "cutout.png")
    on_white = np.where(inside[:, :, None], scene.image, np.uint8(255))
    Image.fromarray(on_white).save(tmp_path / "white.png")
    graphs, stderr = {}, {}
    for name in ("cutout", "white"):
        r = run("graph", tmp_path / f"{name}.png", "--out", tmp_path / f"{name}.json")
        assert r.returncode == 0, r.stderr
        graphs[name] = json.loads((tmp_path / f"{name}.json").read_text())["objects"]
        stderr[name] = r.stderr
    assert "composited on RGB(255, 255, 255)" in stderr["cutout"]
    assert "composited" not in stderr["white"]
    assert len(graphs["cutout"]) == len(scene.graph.objects)
    assert [o["label"] for o in graphs["cutout"]] == [o["label"] for o in graphs["white"]]
    assert [o["box"] for o in graphs["cutout"]] == [o["box"] for o in graphs["white"]]


@pytest.mark.parametrize("make, needle", [
    (lambda f, p: f[0].save(p.with_suffix(".gif"), save_all=True, append_images=f[1:]),
     "animated GIF"),
    (lambda f, p: f[0].save(p.with_suffix(".png"), save_all=True, append_images=f[1:]),
     "animated PNG"),
    (lambda f, p: f[0].save(p.with_suffix(".tif"), save_all=True, append_images=f[1:]),
     "multi-page TIFF"),
])
def test_animations_and_multipage_files_are_refused(tmp_path, make, needle):
    frames = [Image.new("RGB", (16, 12), c) for c in ("red", "blue", "green")]
    make(frames, tmp_path / "anim")
    path = next(tmp_path.glob("anim.*"))
    before = set(tmp_path.rglob("*"))
    r = run("graph", path, "--out", tmp_path / "g.json")
    assert_refused(r, tmp_path, before, needle, "save the frame you mean as a PNG")


def test_a_single_frame_gif_is_read(tmp_path):
    Image.fromarray(_marked()).quantize(64).save(tmp_path / "one.gif")
    expected = np.asarray(Image.open(tmp_path / "one.gif").convert("RGB"))
    pixels, notes = decoded(tmp_path / "one.gif")
    assert (pixels == expected).all() and notes == []


def test_cmyk_without_a_profile_uses_pillows_formula(tmp_path):
    cmyk = np.array([[[255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 0, 255], [0, 0, 0, 0]]], np.uint8)
    Image.fromarray(cmyk, "CMYK").save(tmp_path / "c.tif")
    pixels, _ = decoded(tmp_path / "c.tif")
    assert pixels[0].tolist() == [[0, 255, 255], [255, 0, 255], [0, 0, 0], [255, 255, 255]]


def test_bilevel_image(tmp_path):
    Image.fromarray(np.array([[0, 255, 0]], np.uint8)).convert("1").save(tmp_path / "b.png")
    pixels, _ = decoded(tmp_path / "b.png")
    assert pixels[0, :, 0].tolist() == [0, 255, 0]


def test_lab_is_refused_not_misread(tmp_path):
    Image.new("LAB", (4, 4), (50, 0, 0)).save(tmp_path / "lab.tif")
    with pytest.raises(InvalidInputError, match="CIELAB"):
        decode_image(tmp_path / "lab.tif")


def test_plain_rgb_is_unchanged(tmp_path, scene_png):
    pixels, notes = decoded(scene_png)
    assert (pixels == np.asarray(Image.open(scene_png))).all() and notes == []


def test_the_docs_example_runs():
    import re

    text = (ROOT / "docs" / "images.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/images.md", "exec"), {})
