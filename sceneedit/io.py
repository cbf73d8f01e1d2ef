"""Reading user files safely and writing results atomically (nothing half-written is left)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .errors import InvalidInputError
# Larger images are refused rather than risking memory exhaustion (a decompression bomb): the
# default is image_decode's; ``max_image_pixels()`` is the limit with $SCENEEDIT_MAX_PIXELS.
from .image_decode import DEFAULT_MAX_PIXELS as MAX_IMAGE_PIXELS  # noqa: F401
from .image_decode import (TRANSPARENT_BACKGROUND, ImageDecodeWarning, decode_image,
                           max_image_pixels)  # noqa: F401

MAX_JSON_BYTES = 256 * 1024 * 1024


def read_text(path: str | Path, what: str) -> str:
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{what} file not found: {p}")
    if p.stat().st_size > MAX_JSON_BYTES:
        raise InvalidInputError(f"{what} file {p} is larger than {MAX_JSON_BYTES} bytes")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{what} file {p} is not UTF-8 text: {exc}") from None


def load_image(path: str | Path, max_pixels: int | None = None,
               background: tuple[int, int, int] = TRANSPARENT_BACKGROUND) -> np.ndarray:
    """Load an image file as an RGB uint8 array, decoded as a careful viewer shows it
    (``image_decode``); corrupt, oversized (``max_pixels``, default ``max_image_pixels()``) and
    animated files are refused. Transparency is composited on ``background`` with a warning."""
    import warnings

    decoded = decode_image(path, max_pixels, background)
    for note in decoded.notes:
        warnings.warn(f"image {path}: {note}", ImageDecodeWarning, stacklevel=2)
    return decoded.pixels


def check_image_array(image: np.ndarray, what: str = "image") -> np.ndarray:
    """Validate an in-memory image: HxWx3 uint8."""
    arr = np.asarray(image)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise InvalidInputError(f"{what} must be an HxWx3 uint8 RGB array, got shape {arr.shape} "
                                f"dtype {arr.dtype}")
    return arr


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    _atomic_write(Path(path), lambda fh: fh.write(text.encode("utf-8")))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    _atomic_write(Path(path), lambda fh: fh.write(data))


def save_image(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB uint8 image (format from the suffix; PNG is lossless) atomically."""
    from PIL import Image

    p = Path(path)
    fmt = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}.get(p.suffix.lower())
    if fmt is None:
        raise InvalidInputError(f"cannot write {p}: use a .png, .jpg or .webp file name")
    _atomic_write(p, lambda fh: Image.fromarray(check_image_array(image)).save(fh, format=fmt))


def image_sha256(image: np.ndarray) -> str:
    """Content hash of decoded pixels (shape included), independent of the file encoding."""
    import hashlib

    arr = np.ascontiguousarray(image)
    h = hashlib.sha256(f"{arr.shape}{arr.dtype}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()
