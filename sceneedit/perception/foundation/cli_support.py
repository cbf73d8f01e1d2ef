"""What ``sceneedit graph --detector ...`` does with its options (the CLI only parses)."""
from __future__ import annotations

import argparse

import numpy as np

from ...scene.model import SceneGraph
from .factory import build_perceiver


def quiet_transformers() -> None:
    """No per-shard progress bars and no fallback notices on a command line's stderr: the
    user sees sceneedit's own output and errors."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def perceive_with_options(image: np.ndarray, args: argparse.Namespace) -> SceneGraph:
    """The graph of ``image`` from the perceiver ``sceneedit graph``'s options describe (the
    classical one by default)."""
    vocab = [p.strip() for p in args.vocab.split(",") if p.strip()] if args.vocab else None
    if args.detector != "classical":
        try:
            quiet_transformers()
        except ImportError:   # a core install: name the extra and the weights, no traceback
            from ...weights import get_entry, missing_weights

            sam = (f"; {missing_weights(get_entry('sam'), 'needed too')}"
                   if args.segmenter == "sam" else "")
            raise missing_weights(
                get_entry(args.detector), "its packages (transformers, torch) are not "
                f"installed: pip install 'sceneedit[vision]'{sam}") from None
    else:  # the built-in perceiver reads only its own domain: say so instead of guessing
        from ..domain import require_in_domain

        require_in_domain(image, args.image)
    perceiver = build_perceiver(
        args.detector, detector_model=args.detector_model, segmenter=args.segmenter,
        segmenter_model=args.segmenter_model, vocabulary=vocab,
        box_threshold=args.box_threshold, text_threshold=args.text_threshold,
        device=args.device, dtype=args.dtype)
    graph = perceiver.perceive(image)
    graph.check_matches(image)
    return graph
