"""Building a perceiver from names and model specs (what the CLI's options say)."""
from __future__ import annotations

from collections.abc import Sequence

from ...errors import InvalidInputError, MissingWeightsError, ValidationError
from .. import ClassicalPerceiver, Perceiver

DETECTORS = ("grounding-dino", "owlv2", "classical")
SEGMENTERS = ("sam", "grabcut", "box")


def build_perceiver(detector: str = "classical", *, detector_model: str | None = None,
                    segmenter: str | None = None, segmenter_model: str | None = None,
                    vocabulary: Sequence[str] | None = None, box_threshold: float | None = None,
                    text_threshold: float | None = None, device: str | None = None,
                    dtype: str | None = None) -> Perceiver:
    """A ready perceiver. Foundation models are loaded here, so that every missing checkpoint
    is reported at once, before any work starts."""
    if detector not in DETECTORS:
        raise ValidationError("detector", f"unknown detector {detector!r}", DETECTORS)
    if segmenter is not None and segmenter not in SEGMENTERS:
        raise ValidationError("segmenter", f"unknown segmenter {segmenter!r}", SEGMENTERS)
    if detector == "classical":
        given = [name for name, v in (("--detector-model", detector_model),
                                      ("--segmenter", segmenter),
                                      ("--segmenter-model", segmenter_model),
                                      ("--vocab", vocabulary), ("--box-threshold", box_threshold),
                                      ("--text-threshold", text_threshold),
                                      ("--device", device), ("--dtype", dtype))
                 if v is not None]
        if given:
            raise InvalidInputError(f"{', '.join(given)}: only for a foundation detector "
                                    f"(--detector {' or '.join(DETECTORS[:-1])}); the classical "
                                    "backend detects and segments by itself, without weights")
        return ClassicalPerceiver()
    from ..box_segment import GrabCutSegmenter
    from .grounding_dino import GroundingDinoDetector
    from .owlv2 import Owlv2Detector
    from .perceiver import BoxSegmenter, FoundationPerceiver
    from .sam import SamSegmenter

    det_cls = GroundingDinoDetector if detector == "grounding-dino" else Owlv2Detector
    det = det_cls(detector_model, device=device, dtype=dtype)
    segmenter = segmenter or "sam"
    seg = (SamSegmenter(segmenter_model, device=device, dtype=dtype) if segmenter == "sam"
           else GrabCutSegmenter() if segmenter == "grabcut" else BoxSegmenter())
    missing = []
    for part in (det, seg):
        if hasattr(part, "load"):
            try:
                part.load()
            except MissingWeightsError as exc:
                missing.append(str(exc))
    if missing:
        raise MissingWeightsError("\n".join(missing))
    return FoundationPerceiver(det, seg, vocabulary, box_threshold=box_threshold,
                               text_threshold=text_threshold)
