"""Decoding an image file the way a careful viewer shows it, or refusing it clearly.

``io.load_image`` delegates here. What a viewer does, and so what sceneedit does:

- the size is checked from the header, before any pixel is decoded (decompression bombs);
  the limit is ``max_image_pixels()``: ``$SCENEEDIT_MAX_PIXELS`` or ``DEFAULT_MAX_PIXELS``;
- the EXIF orientation is applied, so the graph frame is the upright picture a viewer shows;
- 16-bit (``I;16``, ``I``) and float (``F``, in [0, 1]) greyscale are scaled to 8 bits, not
  clipped (16-bit RGB(A) is already reduced to its high byte by Pillow);
- transparency (RGBA, LA, PA, a palette or colour key with ``transparency``) is composited on
  a stated background, white by default, and reported with an ``ImageDecodeWarning``;
- CMYK goes through its embedded ICC profile when it has one, else Pillow's formula;
- an animated GIF/PNG/WebP or a multi-page TIFF is refused: an edit of frame 0 would silently
  drop every other frame, and "pixels outside the footprint never change" would be false.
  (A camera's MPO JPEG is the exception: frame 0 is the photo, the rest are previews.)
"""
from __future__ import annotations

import os
import re
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InvalidInputError

# Measured with ``python benchmarks/image_limits.py`` (classical ``graph``, docs/images.md):
# peak memory is ~100 bytes per pixel at every size (64 MP: 6.1 GiB; 25 MP: 2.5 GiB), time
# grows in proportion too. 25 MP keeps 6000x4000 camera photos and every common phone camera.
DEFAULT_MAX_PIXELS = 25_000_000
MAX_PIXELS_ENV = "SCENEEDIT_MAX_PIXELS"
# White, as a page or a browser shows a transparent picture; black would invent dark objects.
TRANSPARENT_BACKGROUND: tuple[int, int, int] = (255, 255, 255)

# What Pillow's parsers raise on malformed headers, chunks and tags (UnidentifiedImageError is
# an OSError).
_MALFORMED = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
              ZeroDivisionError, struct.error)
_GREY_16BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


class ImageDecodeWarning(UserWarning):
    """The file was decoded faithfully, but differs from its raw pixels in a way worth saying."""


@dataclass(frozen=True)
class DecodedImage:
    pixels: np.ndarray  # HxWx3 uint8 RGB
    notes: tuple[str, ...]  # what decoding did beyond a plain RGB read


def max_image_pixels() -> int:
    """The largest image (in pixels) sceneedit reads: ``$SCENEEDIT_MAX_PIXELS`` or the default."""
    raw = os.environ.get(MAX_PIXELS_ENV, "").strip().replace("_", "")
    if not raw:
        return DEFAULT_MAX_PIXELS
    if not raw.isdigit() or int(raw) <= 0:
        raise InvalidInputError(f"{MAX_PIXELS_ENV}={os.environ[MAX_PIXELS_ENV]!r} must be a "
                                "positive whole number of pixels, e.g. 40000000")
    return int(raw)


def too_large_message(what: str, pixels: int, limit: int, size: str = "") -> str:
    """One message for every place that refuses an image for its size (files and graphs)."""
    shown = f"{size} = {pixels:,}" if size else f"{pixels:,}"
    return (f"{what} is {shown} pixels, more than the limit of {limit:,}; downscale it, or raise "
            f"the limit with {MAX_PIXELS_ENV}={pixels} (`graph` needs about 100 bytes of memory "
            "a pixel)")


def decode_image(path: str | Path, max_pixels: int | None = None,
                 background: tuple[int, int, int] = TRANSPARENT_BACKGROUND) -> DecodedImage:
    """Decode ``path`` to HxWx3 uint8 RGB, or raise ``InvalidInputError`` saying why not."""
    p = Path(path)
    limit = max_image_pixels() if max_pixels is None else max_pixels
    if not p.is_file():
        raise InvalidInputError(f"image file not found: {p}")
    try:
        with _open_within(p, limit) as im:
            _refuse_frames(p, im)
            im.load()
            return _to_rgb(p, im, background)
    except InvalidInputError:
        raise
    except MemoryError:
        raise InvalidInputError(f"image {p}: not enough memory to decode it; downscale it or "
                                f"lower {MAX_PIXELS_ENV}") from None
    except _MALFORMED as exc:
        raise InvalidInputError(f"image {p} cannot be decoded (corrupt or not an image): {exc}") \
            from None


def _open_within(p: Path, limit: int):
    """``Image.open`` that refuses more than ``limit`` pixels from the header alone."""
    from PIL import Image

    # Pillow's own bomb check raises past 2 x Image.MAX_IMAGE_PIXELS (179 MP by default), a
    # traceback for a user; sceneedit's limit is lower, so only widen Pillow's when a user
    # raised sceneedit's above it, and turn Pillow's error into the same message as ours.
    if Image.MAX_IMAGE_PIXELS is not None and limit > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = limit
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(p)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else limit + 1
        raise InvalidInputError(too_large_message(f"image {p}", pixels, limit)) from None
    w, h = im.size
    if w * h > limit:
        im.close()
        raise InvalidInputError(too_large_message(f"image {p}", w * h, limit, f"{w}x{h}"))
    if w == 0 or h == 0:
        im.close()
        raise InvalidInputError(f"image {p} is empty ({w}x{h})")
    return im


def _refuse_frames(p: Path, im) -> None:
    # ``is_animated`` only looks for a second frame; ``n_frames`` may walk a huge file.
    if getattr(im, "is_animated", False) and im.format != "MPO":
        kind = "multi-page" if im.format == "TIFF" else "animated"
        raise InvalidInputError(
            f"image {p} is a {kind} {im.format} with more than one frame; sceneedit edits one "
            "still image: save the frame you mean as a PNG first (e.g. "
            "`python -c \"from PIL import Image; Image.open('IN').save('frame0.png')\"`)")


def _to_rgb(p: Path, im, background: tuple[int, int, int]) -> DecodedImage:
    from PIL import ImageOps

    notes: list[str] = []
    try:
        orientation = im.getexif().get(0x0112, 1)
    except _MALFORMED:  # a broken EXIF block: viewers show the pixels as stored, so do we
        orientation = 1
    if orientation in (2, 3, 4, 5, 6, 7, 8):  # other values are invalid: viewers ignore them
        im = ImageOps.exif_transpose(im)
        notes.append(f"EXIF orientation {orientation} applied (the picture a viewer shows)")
    mode = im.mode
    if mode in _GREY_16BIT or mode == "F":
        grey = _grey_to_8bit(p, np.asarray(im), mode)
        return DecodedImage(np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2)),
                            tuple(notes))
    if mode == "CMYK":
        return DecodedImage(np.asarray(_cmyk_to_rgb(im)), tuple(notes))
    if mode == "LAB":
        raise InvalidInputError(f"image {p} is in CIELAB colour; convert it to RGB first")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info:
        rgba = np.asarray(im.convert("RGBA"))
        see_through = int((rgba[:, :, 3] < 255).sum())
        if see_through:
            # integer "over" (255 * 255 + 127 fits uint16): 12 bytes a pixel, not float32's 36
            alpha = rgba[:, :, 3:].astype(np.uint16)
            bg = np.asarray(background, dtype=np.uint16)
            rgb = (rgba[:, :, :3] * alpha + bg * (255 - alpha) + 127) // 255
            notes.append(f"{see_through:,} transparent or translucent pixels composited on "
                         f"RGB{tuple(background)}")
            return DecodedImage(rgb.astype(np.uint8), tuple(notes))
        return DecodedImage(np.ascontiguousarray(rgba[:, :, :3]), tuple(notes))
    return DecodedImage(np.asarray(im.convert("RGB")), tuple(notes))


def _grey_to_8bit(p: Path, arr: np.ndarray, mode: str) -> np.ndarray:
    """16-bit and [0, 1] float greyscale scaled (not clipped) to 0..255."""
    if mode == "F":
        if not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1:
            raise InvalidInputError(
                f"image {p} is floating-point with values {np.nanmin(arr):g}..{np.nanmax(arr):g}; "
                "only [0, 1] is understood: tone-map it to an 8-bit image first")
        return np.rint(arr * 255.0).astype(np.uint8)
    if arr.min() < 0 or arr.max() > 65535:
        raise InvalidInputError(f"image {p} is 32-bit integer with values {arr.min()}.."
                                f"{arr.max()}; only 16-bit (0..65535) is understood: convert it "
                                "to 8 bits first")
    return ((arr.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def _cmyk_to_rgb(im):
    """Through the file's ICC profile (what viewers do), else Pillow's formula."""
    icc = im.info.get("icc_profile")
    if icc:
        from io import BytesIO

        from PIL import ImageCms  # in every Pillow wheel (littlecms2 bundled)

        try:
            return ImageCms.profileToProfile(im, ImageCms.ImageCmsProfile(BytesIO(icc)),
                                             ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (OSError, ValueError, ImageCms.PyCMSError):
            pass  # a broken profile: fall back like a viewer would
    return im.convert("RGB")
