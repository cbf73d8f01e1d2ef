"""The original-package backends (groundingdino-py, segment-anything) on small random-weight
``.pth`` checkpoints built in the test session. These packages live in their own environment
(``scripts/test_original.sh``); elsewhere this module is skipped."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sceneedit.errors import MissingWeightsError
from sceneedit.perception.api import Detector, Segmenter


def _image(seed: int, h: int = 96, w: int = 128) -> np.ndarray:
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def test_missing_checkpoint_says_what_to_get(monkeypatch):
    from sceneedit.perception.original import (OriginalGroundingDinoDetector,
                                               OriginalSamSegmenter)

    monkeypatch.delenv("SCENEEDIT_SAM_CHECKPOINT", raising=False)
    with pytest.raises(MissingWeightsError, match="SCENEEDIT_SAM_CHECKPOINT.*sam_vit_b_01ec64.pth"):
        OriginalSamSegmenter().load()
    with pytest.raises(MissingWeightsError, match="groundingdino_swint_ogc.pth"):
        OriginalGroundingDinoDetector("/nonexistent/gd.pth").load()


@pytest.fixture(scope="module")
def sam_checkpoint(tmp_path_factory) -> Path:
    torch = pytest.importorskip("torch")
    build = pytest.importorskip("segment_anything.build_sam")
    torch.manual_seed(0)
    # A narrow, shallow image encoder (the released ones are 768-1280 wide, 12-32 deep); the
    # backend reads the architecture from the tensors, so nothing else needs saying.
    model = build._build_sam(encoder_embed_dim=32, encoder_depth=2, encoder_num_heads=2,
                             encoder_global_attn_indexes=[1], checkpoint=None)
    path = tmp_path_factory.mktemp("sam_orig") / "sam_tiny.pth"
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture(scope="module")
def gdino_checkpoint(tmp_path_factory) -> tuple[Path, Path]:
    torch = pytest.importorskip("torch")
    gd = pytest.importorskip("groundingdino")
    from groundingdino.models import build_model
    from groundingdino.util.slconfig import SLConfig
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("gdino_orig")
    bert = root / "bert"
    bert.mkdir()
    words = "apple mug cup glass oil bottle red table lamp".split()
    (bert / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                               ".", ","] + words) + "\n")
    BertTokenizerFast(vocab_file=str(bert / "vocab.txt")).save_pretrained(bert)
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=16, hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64)).save_pretrained(bert)
    packaged = Path(gd.__file__).parent / "config" / "GroundingDINO_SwinT_OGC.py"
    text = packaged.read_text()
    assert 'text_encoder_type = "bert-base-uncased"' in text
    # The packaged SwinT-OGC config with a local tiny BERT and a lighter transformer (the Swin
    # backbone and hidden_dim 256 cannot shrink); 100 queries fit the ~340 multi-scale tokens
    # of a 128 px input, which 900 do not.
    smaller = {"text_encoder_type": f'"{bert}"', "enc_layers": "1", "dec_layers": "2",
               "num_queries": "100", "dim_feedforward": "256"}
    lines = [f"{line.split(' = ')[0]} = {smaller[line.split(' = ')[0]]}"
             if line.split(" = ")[0] in smaller else line for line in text.splitlines()]
    config = root / "gdino_small.py"
    config.write_text("\n".join(lines) + "\n")
    args = SLConfig.fromfile(str(config))
    args.device = "cpu"
    model = build_model(args)
    ckpt = root / "gdino_random.pth"
    torch.save({"model": model.state_dict()}, ckpt)
    return ckpt, config


def test_original_sam_encodes_each_image_once(sam_checkpoint):
    from sceneedit.perception.original import OriginalSamSegmenter
    from sceneedit.perception.original.sam_backend import architecture
    import torch

    arch = architecture(torch.load(sam_checkpoint, map_location="cpu"))
    assert arch == {"encoder_embed_dim": 32, "encoder_depth": 2, "encoder_num_heads": 2,
                    "encoder_global_attn_indexes": [1]}
    seg = OriginalSamSegmenter(sam_checkpoint, device="cpu")
    assert isinstance(seg, Segmenter)
    a, b = _image(0), _image(1)
    boxes = [[10, 10, 60, 50], [70, 20, 120, 90]]
    for round_boxes in (boxes, boxes[:1], [[0, 0, 128, 96]]):
        masks = seg.segment(a, round_boxes)
        assert len(masks) == len(round_boxes)
        assert all(m.shape == (96, 128) and m.dtype == bool for m in masks)
    assert seg.encoder_calls == 1
    seg.segment(b, boxes, points=[[(80, 40)], []])
    seg.segment(a, boxes)
    assert seg.encoder_calls == 2


def test_original_grounding_dino_maps_boxes_to_single_phrases(gdino_checkpoint):
    from sceneedit.perception.original import OriginalGroundingDinoDetector

    ckpt, config = gdino_checkpoint
    det = OriginalGroundingDinoDetector(ckpt, config=config, device="cpu", image_size=128)
    assert isinstance(det, Detector)
    phrases = ["glass", "oil", "red mug"]
    found = det.detect(_image(2), phrases, box_threshold=0.0, text_threshold=0.0)
    assert found and {d.phrase for d in found} <= set(phrases)
    for d in found:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 96
    top = max(d.score for d in found)
    assert det.detect(_image(2), phrases, box_threshold=0.0, text_threshold=top) == []
