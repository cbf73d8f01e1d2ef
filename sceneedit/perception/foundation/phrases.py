"""Model-independent detection logic: prompt phrases, mapping token scores back to exactly one
phrase, and removing duplicate detections. Plain numpy, so tests drive it with constructed
scores and boxes.

Why not the transformers post-processing: Grounding DINO's
``post_process_grounded_object_detection`` decodes *every* token above the text threshold into
the label, so a box that scores on "glass" and on "oil" comes back labelled "glass oil", a
phrase nobody asked for. Here each phrase owns the token span it occupies in the prompt, each
box is scored against each span, and the best phrase wins.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from ..api import Detection

# Greedy de-duplication, two rules: the same phrase overlapping this much is one instance seen
# twice (standard NMS IoU); different phrases overlapping this much are one object named twice
# ("mug" and "cup" on the same mug). The second is stricter so that a cup standing in front of a
# bottle, whose boxes overlap a lot, keeps both.
NMS_IOU = 0.5
CROSS_PHRASE_IOU = 0.8


def clean_phrases(phrases: Iterable[str]) -> list[str]:
    """The prompt phrases, stripped, without empties or repeats (first occurrence kept, case
    kept: detections report the phrase exactly as given)."""
    out: list[str] = []
    seen: set[str] = set()
    for p in phrases:
        text = " ".join(str(p).replace(".", " ").split())
        if text and text.lower() not in seen:
            seen.add(text.lower())
            out.append(text)
    return out


def prompt_with_spans(phrases: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Grounding DINO's prompt ("cat. red cup.") and each phrase's character span in it."""
    text, spans = "", []
    for p in phrases:
        start = len(text)
        text += p.lower()
        spans.append((start, len(text)))
        text += ". "
    return text.rstrip(), spans


def chunk_phrases(phrases: Sequence[str], n_tokens: Callable[[str], int],
                  limit: int) -> list[list[str]]:
    """``phrases`` grouped in order so that each group's prompt is at most ``limit`` tokens
    (a single phrase longer than that stays alone, to be truncated)."""
    chunks: list[list[str]] = [[]]
    for p in phrases:
        trial = chunks[-1] + [p]
        if chunks[-1] and n_tokens(prompt_with_spans(trial)[0]) > limit:
            chunks.append([p])
        else:
            chunks[-1] = trial
    return chunks


def token_phrase_matrix(offsets: Sequence[tuple[int, int]],
                        spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """(num_phrases, num_tokens) bool: which tokens lie inside which phrase's character span.
    Special tokens (offset (0, 0)) and the separating dots belong to no phrase."""
    m = np.zeros((len(spans), len(offsets)), dtype=bool)
    for t, (a, b) in enumerate(offsets):
        if b <= a:
            continue
        for i, (s, e) in enumerate(spans):
            if a >= s and b <= e:
                m[i, t] = True
    return m


def assign_phrases(token_probs: np.ndarray, membership: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For (num_boxes, num_tokens) token probabilities: each box's best phrase index, that
    phrase's score (the max over its tokens) and the box's score (the max over all phrase
    tokens). A phrase with no tokens (truncated away) never wins."""
    probs = np.asarray(token_probs, dtype=np.float64)
    n_boxes, n_phrases = probs.shape[0], membership.shape[0]
    per_phrase = np.full((n_boxes, n_phrases), -1.0)
    for i in range(n_phrases):
        cols = membership[i, :probs.shape[1]]
        if cols.any():
            per_phrase[:, i] = probs[:, cols].max(axis=1)
    best = per_phrase.argmax(axis=1) if n_phrases else np.zeros(n_boxes, dtype=int)
    phrase_score = per_phrase[np.arange(n_boxes), best] if n_phrases else np.zeros(n_boxes)
    box_score = per_phrase.max(axis=1) if n_phrases else np.zeros(n_boxes)
    return best, phrase_score, box_score


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in (N, 4) ``a`` with every box in (M, 4) ``b`` (xyxy)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    x0 = np.maximum(a[:, None, 0], b[None, :, 0])
    y0 = np.maximum(a[:, None, 1], b[None, :, 1])
    x1 = np.minimum(a[:, None, 2], b[None, :, 2])
    y1 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def deduplicate(detections: Sequence[Detection], *, nms_iou: float = NMS_IOU,
                cross_phrase_iou: float = CROSS_PHRASE_IOU,
                max_detections: int | None = None) -> list[Detection]:
    """Class-aware NMS plus cross-phrase de-duplication, greedily by score (ties by input
    order, so the result is deterministic). Boxes of one phrase that overlap less than
    ``nms_iou`` stay apart: several instances of a class survive."""
    if not detections:
        return []
    order = sorted(range(len(detections)), key=lambda i: (-detections[i].score, i))
    boxes = np.array([detections[i].box for i in order], dtype=np.float64)
    phrases = [detections[i].phrase.lower() for i in order]
    iou = pairwise_iou(boxes, boxes)
    kept: list[int] = []
    for j in range(len(order)):
        if any(iou[j, k] > (nms_iou if phrases[j] == phrases[k] else cross_phrase_iou)
               for k in kept):
            continue
        kept.append(j)
        if max_detections is not None and len(kept) >= max_detections:
            break
    return [detections[order[j]] for j in kept]


def clip_box(box: Sequence[float], width: int,
             height: int) -> tuple[float, float, float, float] | None:
    """``box`` clipped to the image and rounded to 0.01 px, or None when nothing is left."""
    x0, y0, x1, y1 = (float(v) for v in box)
    x0, x1 = sorted((min(max(x0, 0.0), width), min(max(x1, 0.0), width)))
    y0, y1 = sorted((min(max(y0, 0.0), height), min(max(y1, 0.0), height)))
    if x1 - x0 < 1.0 or y1 - y0 < 1.0:
        return None
    return (round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2))
