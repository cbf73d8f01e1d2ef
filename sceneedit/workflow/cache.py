"""Content-hash caching of brick outputs: same brick, version and input contents -> same outputs."""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

import numpy as np

from ..scene.model import SceneGraph


def value_digest(value: Any) -> str:
    """A stable content hash of a port value (arrays by bytes, graphs by their JSON)."""
    h = hashlib.sha256()
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        h.update(f"nd{arr.shape}{arr.dtype}".encode())
        h.update(arr.tobytes())
    elif isinstance(value, SceneGraph):
        h.update(b"graph")
        h.update(value.to_json(indent=None).encode())
    else:
        h.update(json.dumps(value, sort_keys=True, default=float).encode())
    return h.hexdigest()


def _nbytes(outputs: dict[str, Any]) -> int:
    return sum(v.nbytes if isinstance(v, np.ndarray) else 256 for v in outputs.values())


def _frozen(value: Any) -> Any:
    """Cached arrays are shared between runs: make them read-only so no brick can corrupt them."""
    if isinstance(value, np.ndarray):
        value = value.copy() if value.flags.writeable else value
        value.setflags(write=False)
    return value


class ResultCache:
    """An in-memory LRU of node outputs, bounded by bytes."""

    def __init__(self, max_bytes: int = 512 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(brick: str, version: str, inputs: dict[str, Any]) -> str:
        parts = [brick, version] + [f"{k}={value_digest(v)}" for k, v in sorted(inputs.items())]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def get(self, key: str) -> dict[str, Any] | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return item

    def put(self, key: str, outputs: dict[str, Any]) -> dict[str, Any]:
        outputs = {k: _frozen(v) for k, v in outputs.items()}
        size = _nbytes(outputs)
        if size > self.max_bytes:
            return outputs
        self._items[key] = outputs
        self._bytes += size
        while self._bytes > self.max_bytes:
            _, old = self._items.popitem(last=False)
            self._bytes -= _nbytes(old)
        return outputs

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
