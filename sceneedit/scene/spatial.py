"""Pairs among many boxes without looking at all n^2 / 2 of them: a uniform grid.

Each box is bucketed into the grid cells it covers; only boxes sharing a cell are compared.
The work is about n times the cells a box covers, plus the pairs found, all in numpy.
"""
from __future__ import annotations

import numpy as np


def intersecting_pairs(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
                       cell: float) -> np.ndarray:
    """(P, 2) index pairs i < j, sorted, of the boxes that intersect (touching counts).
    ``cell`` is the grid's side: about a typical box's, so that a box covers a few cells."""
    n = len(x0)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    gx0, gy0 = np.floor(x0 / cell).astype(np.int64), np.floor(y0 / cell).astype(np.int64)
    gx1, gy1 = np.floor(x1 / cell).astype(np.int64), np.floor(y1 / cell).astype(np.int64)
    gx1, gy1, gx0, gy0 = gx1 - gx0.min(), gy1 - gy0.min(), gx0 - gx0.min(), gy0 - gy0.min()
    wide = gx1 - gx0 + 1
    covered = wide * (gy1 - gy0 + 1)
    # one entry per (box, cell it covers)
    box = np.repeat(np.arange(n), covered)
    local = np.arange(len(box)) - np.repeat(np.cumsum(covered) - covered, covered)
    cells = (np.repeat(gy0, covered) + local // np.repeat(wide, covered)) * (int(gx1.max()) + 1) \
        + np.repeat(gx0, covered) + local % np.repeat(wide, covered)
    order = np.lexsort((box, cells))
    cells, box = cells[order], box[order]
    # every pair of entries within one cell: entry p pairs with the entries after it there
    m = len(cells)
    starts = np.flatnonzero(np.r_[True, cells[1:] != cells[:-1]])
    ends = np.repeat(np.r_[starts[1:], m], np.diff(np.r_[starts, m]))
    after = ends - np.arange(m) - 1
    first = np.repeat(np.arange(m), after)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(after) - after, after)
    a, b = box[first], box[second]
    codes = np.unique(np.minimum(a, b) * n + np.maximum(a, b))
    lo, hi = codes // n, codes % n
    hit = (x0[lo] <= x1[hi]) & (x0[hi] <= x1[lo]) & (y0[lo] <= y1[hi]) & (y0[hi] <= y1[lo])
    return np.stack([lo[hit], hi[hit]], axis=1)


def nearest_pairs(cx: np.ndarray, cy: np.ndarray, k: int, expected: int) -> np.ndarray:
    """(P, 2) index pairs i < j, sorted, where j is among i's ``k`` nearest points or i among
    j's, looking within a square neighbourhood sized to hold about ``expected`` points on
    average (ties by index). Sparse regions may offer fewer than ``k``."""
    n = len(cx)
    area = max(float(np.ptp(cx) * np.ptp(cy)), 1.0)
    # squares of half-side r intersect when the points are within 2r on both axes: a square of
    # side 4r around each point, holding n / area * 16 r^2 points
    r = max(np.sqrt(expected * area / (16 * n)), 1.0)
    pairs = intersecting_pairs(cx - r, cy - r, cx + r, cy + r, 2 * r)
    if len(pairs) == 0:
        return pairs
    i, j = pairs[:, 0], pairs[:, 1]
    d = np.hypot(cx[i] - cx[j], cy[i] - cy[j])
    src, dst, dist = np.r_[i, j], np.r_[j, i], np.r_[d, d]
    order = np.lexsort((dst, dist, src))
    src, dst = src[order], dst[order]
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    rank = np.arange(len(src)) - np.repeat(starts, np.diff(np.r_[starts, len(src)]))
    keep = rank < k
    codes = np.unique(np.minimum(src[keep], dst[keep]) * n + np.maximum(src[keep], dst[keep]))
    return np.stack([codes // n, codes % n], axis=1)
