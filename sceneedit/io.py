"""Reading user files safely and writing results atomically (nothing half-written is left)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import InvalidInputError
from .outputs import as_writer, describe_os_error, image_format, write_files
# Larger images are refused rather than risking memory exhaustion (a decompression bomb): the
# default is image_decode's; ``max_image_pixels()`` is the limit with $SCENEEDIT_MAX_PIXELS.
from .image_decode import DEFAULT_MAX_PIXELS as MAX_IMAGE_PIXELS  # noqa: F401
from .image_decode import (TRANSPARENT_BACKGROUND, ImageDecodeWarning, decode_image,
                           max_image_pixels)  # noqa: F401

MAX_JSON_BYTES = 256 * 1024 * 1024


def read_text(path: str | Path, what: str) -> str:
    p = Path(path)
    if p.is_dir():
        raise InvalidInputError(f"{what} file {p} is a folder: give the file")
    if not p.is_file():
        raise InvalidInputError(f"{what} file not found: {p}")
    try:
        if p.stat().st_size > MAX_JSON_BYTES:
            raise InvalidInputError(f"{what} file {p} is larger than {MAX_JSON_BYTES} bytes")
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{what} file {p} is not UTF-8 text: {exc}") from None
    except OSError as exc:
        exc.filename = exc.filename or str(p)
        raise InvalidInputError(describe_os_error(exc, f"cannot read {what} file")) from None


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
    """Write one file atomically (the rules are in ``sceneedit.outputs``)."""
    write_files([(path, write)])


def write_text_atomic(path: str | Path, text: str) -> None:
    _atomic_write(Path(path), as_writer(text))


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    _atomic_write(Path(path), as_writer(data))


def image_writer(path: str | Path, image: np.ndarray):
    """A writer encoding ``image`` in the format ``path``'s suffix asks for (checked now)."""
    from PIL import Image

    fmt = image_format(path)
    arr = check_image_array(image)
    return lambda fh: Image.fromarray(arr).save(fh, format=fmt)


def save_image(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB uint8 image (format from the suffix; PNG is lossless) atomically."""
    _atomic_write(Path(path), image_writer(path, image))


def image_sha256(image: np.ndarray) -> str:
    """Content hash of decoded pixels (shape included), independent of the file encoding."""
    import hashlib

    arr = np.ascontiguousarray(image)
    h = hashlib.sha256(f"{arr.shape}{arr.dtype}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()
