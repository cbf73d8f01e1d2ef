"""Per-image results cached by content hash: image encoders (a segmenter's embedding, the
classical segmentation, a depth map) run once per distinct image however often it is asked."""
from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import numpy as np

from ..io import image_sha256

CACHE_IMAGES = 4  # distinct images whose results are kept (least recently used goes first)

T = TypeVar("T")


class ContentCache(Generic[T]):
    """A small LRU keyed by the image's content hash (``io.image_sha256``: pixels, shape and
    dtype). ``computed`` counts cache misses: how often the expensive function really ran;
    ``runs_for(keys)`` how often it ran on particular images (a cache shared by a detector
    and a segmenter: the runs on the images the segmenter was given)."""

    def __init__(self, compute: Callable[[np.ndarray], T], max_items: int = CACHE_IMAGES):
        self._compute = compute
        self._items: OrderedDict[str, T] = OrderedDict()
        self.max_items = max_items
        self.computed = 0
        self._runs: Counter[str] = Counter()

    @staticmethod
    def key(image: np.ndarray) -> str:
        return image_sha256(image)

    def runs_for(self, keys: Iterable[str]) -> int:
        return sum(self._runs[k] for k in keys)

    def get(self, image: np.ndarray, key: str | None = None) -> T:
        key = key or image_sha256(image)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._compute(image)
        self.computed += 1
        self._runs[key] += 1
        self._items[key] = value
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)
        return value


class EncodesPerImage:
    """Mixin for a component whose expensive per-image step (an image encoder) goes through
    ``self._cache``, a ``ContentCache``: the ``encoder_calls`` the protocols report, and the
    number of images kept."""

    _cache: ContentCache

    @property
    def encoder_calls(self) -> int:
        return self._cache.computed

    @property
    def cache_size(self) -> int:
        return self._cache.max_items


__all__ = ["CACHE_IMAGES", "ContentCache", "EncodesPerImage"]
