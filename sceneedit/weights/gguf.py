"""A structural check of a GGUF file, without loading it: the header, every metadata entry and
tensor description parse, and every tensor's data lies inside the file.

llama.cpp reports a truncated or corrupt file as a bare ``ValueError`` (after printing to
stderr), so this runs first and says which file is broken and what to do. It reads only the
header (a few MB for a 1 GB model: mostly the tokenizer's vocabulary).
"""
from __future__ import annotations

import mmap
import struct
from pathlib import Path

from ..errors import InvalidInputError

MAGIC = b"GGUF"
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
            12: "d"}
_STRING, _ARRAY = 8, 9
# ggml type -> (elements per block, bytes per block); unknown types only bound the offset.
_TYPE_SIZES = {0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24),
               8: (32, 34), 9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144),
               13: (256, 176), 14: (256, 210), 15: (256, 292), 24: (1, 1), 25: (1, 2),
               26: (1, 4), 27: (1, 8), 28: (1, 8), 30: (1, 2)}
_MAX_COUNT = 1 << 24  # more metadata entries or tensors than this: a corrupt count


class _Reader:
    """Reads a memory-mapped file by offset (per-item ``read`` calls cost 3x more)."""

    def __init__(self, buf, size: int):
        self.buf, self.size, self.pos = buf, size, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > self.size:
            raise EOFError
        self.pos += n
        return self.buf[self.pos - n: self.pos]

    def skip(self, n: int) -> None:
        if self.pos + n > self.size:
            raise EOFError
        self.pos += n

    def unpack(self, fmt: str):
        n = struct.calcsize(fmt)
        if self.pos + n > self.size:
            raise EOFError
        value = struct.unpack_from("<" + fmt, self.buf, self.pos)[0]
        self.pos += n
        return value

    def string(self, keep: bool = True) -> str:
        n = self.unpack("Q")
        if n > self.size:
            raise ValueError(f"a string length of {n} bytes")
        if not keep:
            self.skip(n)
            return ""
        return bytes(self.take(n)).decode("utf-8", "replace")

    def value(self, vtype: int):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            itype, n = self.unpack("I"), self.unpack("Q")
            if n > self.size:
                raise ValueError(f"an array of {n} items")
            if itype in _SCALARS:  # skip without decoding: vocabularies are 150k entries
                self.skip(n * struct.calcsize(_SCALARS[itype]))
            elif itype == _STRING:
                for _ in range(n):
                    self.string(keep=False)
            else:
                for _ in range(n):
                    self.value(itype)
            return None
        raise ValueError(f"unknown metadata type {vtype}")


def check_gguf(path: Path, what_to_do: str) -> None:
    """Raise ``InvalidInputError`` naming ``path`` and ``what_to_do`` unless it is a whole GGUF."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            if f.read(4) != MAGIC:
                raise InvalidInputError(f"{path} is not a GGUF file (llama.cpp needs .gguf "
                                        f"weights): {what_to_do}")
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                reader = _Reader(buf, size)
                reader.skip(4)
                problem = _check(reader, size)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}; {what_to_do}") \
            from None
    if problem:
        raise InvalidInputError(f"{path} is a truncated or corrupt GGUF file ({problem}): "
                                f"{what_to_do}")


def _check(r: _Reader, size: int) -> str | None:
    try:
        version = r.unpack("I")
        if version not in (2, 3):
            return f"unsupported GGUF version {version}"
        n_tensors, n_kv = r.unpack("Q"), r.unpack("Q")
        if n_tensors > _MAX_COUNT or n_kv > _MAX_COUNT:
            return f"header declares {n_tensors} tensors and {n_kv} metadata entries"
        alignment = 32
        for _ in range(n_kv):
            key = r.string()
            value = r.value(r.unpack("I"))
            if key == "general.alignment" and isinstance(value, int) and value > 0:
                alignment = value
        end = 0
        for _ in range(n_tensors):
            r.string()
            dims = r.unpack("I")
            if dims > 8:
                return f"a tensor with {dims} dimensions"
            shape = [r.unpack("Q") for _ in range(dims)]
            ttype, offset = r.unpack("I"), r.unpack("Q")
            n = 1
            for d in shape:
                n *= d
            block, nbytes = _TYPE_SIZES.get(ttype, (1, 0))
            end = max(end, offset + n // block * nbytes)
        data_start = -(-r.pos // alignment) * alignment
    except EOFError:
        return "the header ends before its declared metadata and tensors"
    except (ValueError, struct.error) as exc:
        return str(exc)
    if n_tensors and data_start + end > size:
        return (f"its tensors need {data_start + end} bytes, the file has {size}")
    return None
