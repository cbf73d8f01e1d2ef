"""The iterative refinement loop: make a scene graph good enough for an instruction.

Each round:

1. **needs** — what the instruction needs that the graph lacks (``needs.missing_needs``: the
   planner's "missing" names, else the instruction's object phrases with no matching node);
   nothing missing ends the loop;
2. **targeted re-detection** — only those phrases, at thresholds that drop every round
   (``RefineConfig``), on the whole image and, for phrases still not found, on crops around
   the anchor objects the instruction mentions (small or faint things next to them);
3. **re-segmentation** of the new boxes by the ``Segmenter``, which reuses its cached image
   embedding (one encoder call per image for the whole loop);
4. **merge / split / relabel / add** with stable ids (``graph_update.apply_found``);
5. attributes of touched nodes, depth (when a depth estimator is given) and relations are
   recomputed.

Every round is kept: its graph version, its diff against the previous one (``SceneGraph.diff``),
the needs, thresholds, detections and actions; ``RefinementResult`` prints as a readable
summary and displays itself in a notebook. The loop talks only to the ``Detector`` and
``Segmenter`` protocols, and it never executes model-written code.
"""
from __future__ import annotations

import base64
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..errors import InvalidInputError
from ..scene.diff import GraphDiff
from ..scene.lexicon import Lexicon
from ..scene.model import SceneGraph, SceneObject
from .api import Detection, Detector, Segmenter
from .classical import check_rgb
from .graph_update import Found, IdSource, apply_found
from .needs import Need, anchors, instruction_needs, missing_needs
from .vocabulary import GENERIC_LEXICON

DUPLICATE_BOX_IOU = 0.7   # full-image and crop detections of one phrase closer than this: one


@dataclass(frozen=True)
class RefineConfig:
    """Thresholds for round r (1-based): ``start * decay**(r-1)``, never below ``floor``.
    Crops: the anchor's box grown by ``crop_margin`` times its longer side on every side, at
    least ``min_crop`` px wide and high, at most ``max_crops`` anchors per round."""

    box_threshold: float = 0.5
    text_threshold: float = 0.5
    decay: float = 0.8
    floor: float = 0.1
    crop_margin: float = 0.75
    min_crop: int = 64
    max_crops: int = 4

    def thresholds(self, round_no: int) -> tuple[float, float]:
        f = self.decay ** (round_no - 1)
        return (max(self.floor, self.box_threshold * f), max(self.floor, self.text_threshold * f))


class Annotator(Protocol):
    """Adds per-object information from pixels (e.g. ``depth.DepthEstimator``)."""

    def annotate(self, graph: SceneGraph, image: np.ndarray) -> SceneGraph: ...


@dataclass
class RefinementRound:
    index: int                       # 1-based
    needs: list[Need]
    thresholds: tuple[float, float]  # (box, text)
    found: list[Found]
    crops: list[tuple[str, list[int]]]  # (anchor id, crop box) searched
    actions: list[str]
    graph: SceneGraph
    diff: GraphDiff
    seconds: float

    def summary(self) -> str:
        box_t, text_t = self.thresholds
        lines = [f"round {self.index} (box >= {box_t:.2f}, text >= {text_t:.2f}, "
                 f"{self.seconds * 1000:.0f} ms): needs "
                 + ", ".join(_need_text(n) for n in self.needs)]
        for anchor, box in self.crops:
            lines.append(f"  searched crop {box} around {anchor}")
        for f in self.found:
            lines.append(f"  detected {f.need.phrase!r} -> {f.label} {f.score:.2f} at "
                         f"{[round(v) for v in f.box]} ({f.where})")
        lines += [f"  {a}" for a in self.actions]
        if self.diff.is_empty:
            lines.append("  graph unchanged")
        else:
            lines.append("  diff:")
            lines += [f"    {line}" for line in str(self.diff).splitlines()]
        return "\n".join(lines)


@dataclass
class RefinementResult:
    initial: SceneGraph
    instruction: str
    rounds: list[RefinementRound] = field(default_factory=list)
    stop_reason: str = ""
    remaining: list[Need] = field(default_factory=list)   # still missing at the end
    image: np.ndarray | None = field(default=None, repr=False)

    @property
    def graph(self) -> SceneGraph:
        """The final version."""
        return self.rounds[-1].graph if self.rounds else self.initial

    @property
    def versions(self) -> list[SceneGraph]:
        """Round 0 (the input) and every round's graph."""
        return [self.initial] + [r.graph for r in self.rounds]

    @property
    def diff(self) -> GraphDiff:
        """The whole loop's change: input -> final version."""
        return self.initial.diff(self.graph)

    def summary(self) -> str:
        head = (f"refinement of {len(self.initial.objects)} objects for "
                f"{self.instruction!r}: {len(self.rounds)} round(s), stopped: {self.stop_reason}")
        if self.remaining:
            head += "; still missing: " + ", ".join(_need_text(n) for n in self.remaining)
        return "\n".join([head] + [r.summary() for r in self.rounds])

    __str__ = summary

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<p><b>Refinement</b> of {esc(repr(self.instruction))}: "
                 f"{len(self.rounds)} round(s), stopped: {esc(self.stop_reason)}</p>"]
        for r in self.rounds:
            img = ""
            if self.image is not None:
                img = (f'<img src="data:image/png;base64,{_png(r.graph.render(self.image))}" '
                       'style="max-width:360px" alt="graph after the round"/>')
            actions = "<br/>".join(esc(a) for a in r.actions) or "<i>no change</i>"
            parts.append(
                f"<details open><summary>round {r.index}: needs "
                f"{esc(', '.join(_need_text(n) for n in r.needs))}</summary>"
                f'<div style="display:flex;gap:1em;align-items:flex-start"><div>{img}</div>'
                f"<div>{actions}<br/>{r.diff._repr_html_()}</div></div></details>")
        return "<div>" + "".join(parts) + "</div>"


def _need_text(n: Need) -> str:
    return n.phrase if n.count == 1 else f"{n.count} x {n.phrase}"


def _png(image: np.ndarray) -> str:
    import cv2

    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    return base64.b64encode(png.tobytes()).decode("ascii") if ok else ""


def _box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _crop_box(obj: SceneObject, cfg: RefineConfig, w: int, h: int) -> list[int]:
    x0, y0, x1, y1 = obj.box
    grow = cfg.crop_margin * max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w = max((x1 - x0) / 2 + grow, cfg.min_crop / 2)
    half_h = max((y1 - y0) / 2 + grow, cfg.min_crop / 2)
    return [max(int(cx - half_w), 0), max(int(cy - half_h), 0),
            min(int(np.ceil(cx + half_w)), w), min(int(np.ceil(cy + half_h)), h)]


class Refiner:
    """Runs the loop with one detector, one segmenter and an optional annotator (depth).

    Object names are read through the detector's ``lexicon`` (the names of the domain it
    sees: the classical detector's are the synthetic categories), else the generic one."""

    def __init__(self, detector: Detector, segmenter: Segmenter, *,
                 annotator: Annotator | None = None, config: RefineConfig | None = None):
        self.detector = detector
        self.segmenter = segmenter
        self.annotator = annotator
        self.config = config or RefineConfig()
        self.lexicon: Lexicon = getattr(detector, "lexicon", GENERIC_LEXICON)

    @property
    def backend(self) -> str:
        return f"{self.detector.name}+{self.segmenter.name}"

    def refine(self, graph: SceneGraph, image: np.ndarray, instruction: str, *,
               planner_missing: Sequence[str] | None = None, max_rounds: int = 3
               ) -> RefinementResult:
        image = check_rgb(image)
        graph.check_matches(image)
        if max_rounds < 0:
            raise InvalidInputError(f"max_rounds must be >= 0, got {max_rounds}")
        if not instruction or not instruction.strip():
            raise InvalidInputError("the instruction is empty")
        result = RefinementResult(initial=graph, instruction=instruction, image=image)
        ids = IdSource(graph.ids)
        current = graph
        stalled = False
        for round_no in range(1, max_rounds + 1):
            needs = missing_needs(current, instruction, planner_missing, self.lexicon)
            if not needs:
                break
            current = self._round(current, image, instruction, needs, round_no, ids, result)
            # At the threshold floor a round that changed nothing would repeat itself exactly.
            stalled = result.rounds[-1].diff.is_empty and \
                self.config.thresholds(round_no + 1) == self.config.thresholds(round_no)
            if stalled:
                break
        result.remaining = missing_needs(current, instruction, planner_missing, self.lexicon)
        if not result.remaining:
            result.stop_reason = "nothing missing"
        elif stalled:
            result.stop_reason = "no progress at the lowest thresholds"
        else:
            result.stop_reason = f"round budget spent ({max_rounds})"
        return result

    # ---- one round ------------------------------------------------------------------------
    def _round(self, graph: SceneGraph, image: np.ndarray, instruction: str, needs: list[Need],
               round_no: int, ids: IdSource, result: RefinementResult) -> SceneGraph:
        t0 = time.perf_counter()
        box_t, text_t = self.config.thresholds(round_no)
        by_phrase = {n.phrase: n for n in needs}
        dets = [(d, "full image") for d in self._detect(image, list(by_phrase), box_t, text_t)]
        crops = []
        unfound = [p for p in by_phrase if not any(d.phrase == p for d, _ in dets)]
        if unfound:
            h, w = image.shape[:2]
            # Anchors: objects the instruction mentions that the graph has (the mug in "the
            # spoon next to the mug"); small or faint targets are looked for around them.
            wanted = instruction_needs(instruction, self.lexicon)
            for obj in anchors(wanted, graph)[:self.config.max_crops]:
                box = _crop_box(obj, self.config, w, h)
                crops.append((obj.id, box))
                crop = np.ascontiguousarray(image[box[1]:box[3], box[0]:box[2]])
                for d in self._detect(crop, unfound, box_t, text_t):
                    shifted = (d.box[0] + box[0], d.box[1] + box[1], d.box[2] + box[0],
                               d.box[3] + box[1])
                    dets.append((Detection(d.phrase, shifted, d.score, d.extra),
                                 f"crop around {obj.id}"))
        dets = _dedupe(dets)
        masks = self.segmenter.segment(image, [d.box for d, _ in dets]) if dets else []
        found = [Found(need=by_phrase[d.phrase],
                       label=by_phrase[d.phrase].canonical(by_phrase[d.phrase].noun),
                       box=d.box, score=float(d.score), mask=np.asarray(m, bool), where=where)
                 for (d, where), m in zip(dets, masks)]
        new_graph, upd = apply_found(graph, found, image, ids, round_no, self.backend)
        if self.annotator is not None:
            new_graph = self.annotator.annotate(new_graph, image)
        if upd.touched or new_graph.relations is None or self.annotator is not None:
            new_graph = new_graph.with_derived_relations()
        result.rounds.append(RefinementRound(
            index=round_no, needs=needs, thresholds=(box_t, text_t), found=found, crops=crops,
            actions=upd.actions, graph=new_graph, diff=graph.diff(new_graph),
            seconds=time.perf_counter() - t0))
        return new_graph

    def _detect(self, image: np.ndarray, phrases: list[str], box_t: float,
                text_t: float) -> list[Detection]:
        if image.shape[0] < 8 or image.shape[1] < 8:
            return []
        dets = self.detector.detect(image, phrases, box_threshold=box_t, text_threshold=text_t)
        return [d for d in dets if d.phrase in phrases]  # a backend may not add phrases


def _dedupe(dets: list[tuple[Detection, str]]) -> list[tuple[Detection, str]]:
    """One detection per instance and phrase (full-image and crop searches overlap)."""
    out: list[tuple[Detection, str]] = []
    for d, where in sorted(dets, key=lambda t: (-t[0].score, t[0].box)):
        if all(d.phrase != e.phrase or _box_iou(d.box, e.box) < DUPLICATE_BOX_IOU
               for e, _ in out):
            out.append((d, where))
    return out


def refine_graph(graph: SceneGraph, image: np.ndarray, instruction: str, *,
                 detector: Detector | None = None, segmenter: Segmenter | None = None,
                 annotator: Annotator | None = None, planner_missing: Sequence[str] | None = None,
                 max_rounds: int = 3, config: RefineConfig | None = None) -> RefinementResult:
    """Refine ``graph`` for ``instruction`` (the classical synthetic-domain backends unless a
    detector and segmenter are given)."""
    if detector is None or segmenter is None:
        from .classical_detect import classical_backends

        default_detector, default_segmenter = classical_backends()
        detector = detector or default_detector
        segmenter = segmenter or default_segmenter
    return Refiner(detector, segmenter, annotator=annotator, config=config).refine(
        graph, image, instruction, planner_missing=planner_missing, max_rounds=max_rounds)


__all__ = ["Annotator", "RefineConfig", "RefinementResult", "RefinementRound", "Refiner",
           "refine_graph"]
