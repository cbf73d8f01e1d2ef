"""Foundation perception (Grounding DINO, OWLv2, SAM through transformers) on tiny random-weight
checkpoints built and saved with their processors in this session: the real loading (local
directories, the shared model cache) and inference code runs; the phrase mapping and
de-duplication logic is also checked on constructed scores where the answer is known."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sceneedit.errors import InvalidInputError, MissingWeightsError
from sceneedit.palette import COLOR_NAMES
from sceneedit.perception import Perceiver
from sceneedit.perception.api import Detection, Detector, Segmenter
from sceneedit.perception.foundation import models as model_mgmt
from sceneedit.perception.foundation.phrases import (assign_phrases, clean_phrases,
                                                     deduplicate, prompt_with_spans,
                                                     token_phrase_matrix)
from sceneedit.perception.vocabulary import BASE_VOCABULARY, phrases_from_instruction
from sceneedit.scene import SceneGraph

ENV_VARS = [k.env_var for k in model_mgmt.MODEL_KINDS.values()]


def _image(seed: int, h: int = 96, w: int = 128) -> np.ndarray:
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


@pytest.fixture(autouse=True)
def _no_model_env(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("scipy")  # OWLv2's image processor
    from tiny_vision_models import build_grounding_dino, build_owlv2, build_sam

    root = tmp_path_factory.mktemp("tiny_vision")
    return {"grounding-dino": build_grounding_dino(root / "gdino"),
            "owlv2": build_owlv2(root / "owlv2"), "sam": build_sam(root / "sam")}


# ---- phrase mapping and de-duplication on constructed outputs --------------------------------

def test_prompt_spans_map_tokens_to_one_phrase_each():
    phrases = clean_phrases(["Glass", " oil ", "glass", "", "red. mug"])
    assert phrases == ["Glass", "oil", "red mug"]
    text, spans = prompt_with_spans(phrases)
    assert text == "glass. oil. red mug."
    assert [text[a:b] for a, b in spans] == ["glass", "oil", "red mug"]
    # Offsets as a BERT tokenizer gives them: [CLS] glass . oil . red mug . [SEP]
    offsets = [(0, 0), (0, 5), (5, 6), (7, 10), (10, 11), (12, 15), (16, 19), (19, 20), (0, 0)]
    m = token_phrase_matrix(offsets, spans)
    assert m.astype(int).tolist() == [[0, 1, 0, 0, 0, 0, 0, 0, 0],
                                      [0, 0, 0, 1, 0, 0, 0, 0, 0],
                                      [0, 0, 0, 0, 0, 1, 1, 0, 0]]


def test_a_box_scoring_on_two_phrases_gets_the_better_one_not_a_merge():
    membership = np.array([[0, 1, 0, 0, 0], [0, 0, 0, 1, 0]], dtype=bool)  # glass, oil
    probs = np.array([[0.1, 0.7, 0.9, 0.6, 0.1],    # both above 0.25: "glass oil" in HF's way
                      [0.1, 0.3, 0.9, 0.8, 0.1],    # oil wins
                      [0.1, 0.05, 0.9, 0.1, 0.1]])  # separator dot is high: belongs to nobody
    best, phrase_score, box_score = assign_phrases(probs, membership)
    assert best.tolist() == [0, 1, 1]
    assert np.allclose(phrase_score, [0.7, 0.8, 0.1]) and np.allclose(box_score, phrase_score)


def _det(phrase, box, score):
    return Detection(phrase, tuple(float(v) for v in box), score)


def test_deduplicate_keeps_instances_apart_and_merges_duplicates():
    dets = [
        _det("cup", (0, 0, 10, 10), 0.9),
        _det("cup", (1, 0, 11, 10), 0.8),     # same cup seen twice (IoU 0.82) -> dropped
        _det("cup", (30, 0, 40, 10), 0.7),    # a second cup -> kept
        _det("mug", (30, 0, 40, 11), 0.75),   # the second cup named "mug" (IoU 0.91) -> kept,
                                              # and the lower "cup" goes instead
        _det("bottle", (0, 0, 10, 14), 0.6),  # a bottle behind the first cup (IoU 0.71) -> kept
    ]
    out = deduplicate(dets)
    assert [(d.phrase, d.box[0]) for d in out] == [("cup", 0), ("mug", 30), ("bottle", 0)]
    # Several instances of one class, far apart, all survive (counting works).
    many = [_det("apple", (20 * i, 0, 20 * i + 15, 15), 0.5 + i / 100) for i in range(5)]
    assert len(deduplicate(many)) == 5
    assert deduplicate(many, max_detections=2) == [many[4], many[3]]
    # Ties resolve by input order: the same input always gives the same output.
    tie = [_det("a", (0, 0, 10, 10), 0.5), _det("b", (0, 0, 10, 10), 0.5)]
    assert deduplicate(tie) == [tie[0]] and deduplicate(tie[::-1]) == [tie[1]]


# ---- vocabulary ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Replace the red mug with a green lamp", ["mug"]),
    ("What device can enhance the TV's sound? Please replace it with a floor-standing lamp.",
     ["tv"]),
    ("Remove all the glass bottles on the table", ["bottle", "table"]),
    ("Move the garden gnome next to the two cats", ["garden gnome", "cat"]),
    ("Replace the cup with a red one and move the banana", ["cup", "banana"]),
    ("turn the couch into a bed", ["sofa"]),
    ("Replace the red mug next to the apple with a lamp", ["mug", "apple"]),
    ("Get rid of the thing you drink coffee from.", []),
])
def test_phrases_from_instruction(text, expected):
    assert phrases_from_instruction(text) == expected


def test_base_vocabulary_is_unique_and_lowercase():
    assert len(set(BASE_VOCABULARY)) == len(BASE_VOCABULARY)
    assert all(p == p.lower().strip() for p in BASE_VOCABULARY)


# ---- model management ------------------------------------------------------------------------

def test_missing_weights_say_what_to_get_and_where(tmp_path):
    with pytest.raises(MissingWeightsError) as err:
        model_mgmt.resolve_source("grounding-dino", tmp_path / "nothing-here")
    msg = str(err.value)
    assert "IDEA-Research/grounding-dino-tiny" in msg and "--detector-model" in msg \
        and "SCENEEDIT_GROUNDING_DINO_MODEL" in msg and "hf download" in msg
    with pytest.raises(MissingWeightsError, match="no config.json"):
        model_mgmt.resolve_source("sam", tmp_path)
    # A Hugging Face id that no cache holds, offline: said before torch is even imported.
    with pytest.raises(MissingWeightsError) as err:
        model_mgmt.load_model("sam", "sceneedit-tests/no-such-sam")
    assert "HF_HUB_OFFLINE" in str(err.value) and "SCENEEDIT_SAM_MODEL" in str(err.value)


def test_models_load_once_and_are_shared(checkpoints):
    from sceneedit.perception.foundation import GroundingDinoDetector

    gd = checkpoints["grounding-dino"]
    first = GroundingDinoDetector(gd).load()
    calls = model_mgmt.load_calls
    # Same directory, given as the weights file inside it: the same loaded model.
    again = GroundingDinoDetector(gd / "model.safetensors").load()
    assert again.model is first.model and model_mgmt.load_calls == calls
    assert first.device == "cpu" and first.dtype == "float32"
    assert model_mgmt.resolve_source("grounding-dino", None).repo_id == \
        "IDEA-Research/grounding-dino-tiny"


def test_device_and_dtype_defaults_and_overrides(monkeypatch):
    pytest.importorskip("torch")
    from sceneedit.errors import ValidationError

    assert model_mgmt.resolve_dtype(None, "cpu") == "float32"
    assert model_mgmt.resolve_dtype("bfloat16", "cpu") == "bfloat16"
    with pytest.raises(ValidationError, match="float16"):
        model_mgmt.resolve_dtype("int8", "cpu")
    monkeypatch.setenv("SCENEEDIT_DEVICE", "cpu")
    assert model_mgmt.resolve_device(None) == "cpu"
    with pytest.raises(ValidationError, match="cuda"):
        model_mgmt.resolve_device("tpu")


def _install_in_hf_cache(checkpoint: Path, hf_home: Path, repo_id: str) -> None:
    """Lay ``checkpoint`` out as the Hugging Face cache stores a downloaded repository."""
    import shutil

    repo = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    revision = "0" * 40
    shutil.copytree(checkpoint, repo / "snapshots" / revision)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)


def test_hf_ids_load_from_the_local_cache_offline(checkpoints, tmp_path):
    hf_home = tmp_path / "hf"
    _install_in_hf_cache(checkpoints["sam"], hf_home, "sceneedit-tests/tiny-sam")
    code = ("from sceneedit.perception.foundation import load_model; "
            "lm = load_model('sam', 'sceneedit-tests/tiny-sam'); "
            "print(type(lm.model).__name__, lm.source.repo_id, lm.device)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, env=_clean_env(HF_HOME=str(hf_home)))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["SamModel", "sceneedit-tests/tiny-sam", "cpu"]


def test_env_var_points_at_a_checkpoint_and_wrong_kind_is_named(checkpoints, monkeypatch):
    monkeypatch.setenv("SCENEEDIT_SAM_MODEL", str(checkpoints["sam"]))
    src = model_mgmt.resolve_source("sam")
    assert src.origin == "env" and src.path == checkpoints["sam"].resolve()
    with pytest.raises(InvalidInputError, match="grounding-dino"):
        model_mgmt.load_model("owlv2", checkpoints["grounding-dino"])


# ---- detectors -------------------------------------------------------------------------------

def test_grounding_dino_detections_answer_exactly_one_prompt_phrase(checkpoints):
    from sceneedit.perception.foundation import GroundingDinoDetector

    det = GroundingDinoDetector(checkpoints["grounding-dino"])
    assert isinstance(det, Detector)
    image, phrases = _image(0), ["glass", "oil", "red mug"]
    found = det.detect(image, phrases, box_threshold=0.0, text_threshold=0.0)
    assert found and {d.phrase for d in found} <= set(phrases)
    for d in found:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 96 and 0 <= d.score <= 1
    # Thresholds are respected, per call: above the middle score, only higher scores remain;
    # above every phrase score, nothing does.
    probs, membership, _ = det.raw_scores(image, phrases)
    _, phrase_score, _ = assign_phrases(probs, membership)
    mid = float(np.median(phrase_score))
    high = det.detect(image, phrases, box_threshold=0.0, text_threshold=mid)
    assert all(d.score > mid for d in high) and len(high) <= len(found)
    assert det.detect(image, phrases, text_threshold=float(phrase_score.max())) == []
    assert det.detect(image, phrases, box_threshold=float(phrase_score.max())) == []


def test_grounding_dino_splits_a_long_vocabulary_into_prompts_that_fit(checkpoints):
    from sceneedit.perception.foundation import GroundingDinoDetector

    det = GroundingDinoDetector(checkpoints["grounding-dino"])
    vocab = list(BASE_VOCABULARY[:24])  # far more than the tiny model's 32 text tokens
    chunks = det._chunks(vocab)
    assert len(chunks) > 1 and sum(chunks, []) == vocab
    tok = det.load().processor.tokenizer
    assert all(len(tok(prompt_with_spans(c)[0]).input_ids) <= 32 for c in chunks)
    found = det.detect(_image(1), vocab, box_threshold=0.0, text_threshold=0.0)
    assert found and {d.phrase for d in found} <= set(vocab)


def test_owlv2_detections_answer_exactly_one_prompt_phrase(checkpoints):
    from sceneedit.perception.foundation import Owlv2Detector

    det = Owlv2Detector(checkpoints["owlv2"])
    image, phrases = _image(2), ["apple", "red mug", "cup"]
    found = det.detect(image, phrases, box_threshold=0.0)
    assert found and {d.phrase for d in found} <= set(phrases)
    probs, _ = det.raw_scores(image, phrases)
    best = probs.max(axis=1)
    mid = float(np.median(best))
    assert all(d.score > mid for d in det.detect(image, phrases, box_threshold=mid))
    assert det.detect(image, phrases, box_threshold=float(best.max())) == []


# ---- SAM -------------------------------------------------------------------------------------

def test_sam_encodes_each_image_once(checkpoints):
    from sceneedit.perception.foundation import SamSegmenter

    seg = SamSegmenter(checkpoints["sam"])
    assert isinstance(seg, Segmenter)
    a, b = _image(3), _image(4)
    boxes = [[10, 10, 60, 50], [70, 20, 120, 90]]
    for round_boxes in (boxes, boxes[:1], [[0, 0, 128, 96]]):  # three refinement rounds
        masks = seg.segment(a, round_boxes)
        assert len(masks) == len(round_boxes)
        assert all(m.shape == (96, 128) and m.dtype == bool for m in masks)
    assert seg.encoder_calls == 1
    with_points = seg.segment(a.copy(), boxes, points=[[(30, 30)], []])  # same pixels
    assert len(with_points) == 2 and seg.encoder_calls == 1
    seg.segment(b, boxes)
    assert seg.encoder_calls == 2
    seg.segment(a, boxes)  # still cached
    assert seg.encoder_calls == 2
    with pytest.raises(InvalidInputError, match="point lists"):
        seg.segment(a, boxes, points=[[(1, 1)]])


# ---- the perceiver and the command line ------------------------------------------------------

def test_foundation_perceiver_builds_a_valid_graph(checkpoints):
    from sceneedit.perception.foundation import (FoundationPerceiver, GroundingDinoDetector,
                                                 SamSegmenter)

    seg = SamSegmenter(checkpoints["sam"])
    vocab = ["apple", "mug", "bottle"]
    perceiver = FoundationPerceiver(GroundingDinoDetector(checkpoints["grounding-dino"]), seg,
                                    vocab, box_threshold=0.0, text_threshold=0.0)
    assert isinstance(perceiver, Perceiver) and perceiver.name == "grounding-dino+sam"
    image = _image(5)
    graph = perceiver.perceive(image)
    assert graph.objects and seg.encoder_calls == 1
    assert graph.ids == [f"o{i}" for i in range(1, len(graph.objects) + 1)]
    for obj in graph.objects:
        assert obj.label in vocab and obj.provenance.backend == "grounding-dino+sam"
        assert obj.attributes["color"] in COLOR_NAMES and obj.mask.to_array().any()
        assert obj.attributes["size"] in ("tiny", "small", "medium", "large")
    assert graph.relations is not None
    again = SceneGraph.from_dict(json.loads(graph.to_json()))
    assert again.ids == graph.ids
    perceiver.perceive(image)
    assert seg.encoder_calls == 1
    # Nothing above the threshold: an empty, valid graph, and no encoder run for no boxes.
    empty = FoundationPerceiver(perceiver.detector, seg, vocab, text_threshold=1.0)
    assert empty.perceive(_image(8)).objects == [] and seg.encoder_calls == 1


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "sceneedit", *args], capture_output=True,
                          text=True, timeout=300, env=env)


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update(HF_HUB_OFFLINE="1", **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                         env.get("PYTHONPATH", "")])
    return env


def test_cli_graph_with_local_checkpoints(checkpoints, tmp_path):
    Image.fromarray(_image(6)).save(tmp_path / "photo.png")
    out = tmp_path / "graph.json"
    r = _cli("graph", str(tmp_path / "photo.png"), "--detector", "grounding-dino",
             "--detector-model", str(checkpoints["grounding-dino"]), "--segmenter", "sam",
             "--segmenter-model", str(checkpoints["sam"]), "--vocab", "apple, mug",
             "--box-threshold", "0", "--text-threshold", "0", "--device", "cpu",
             "--out", str(out), env=_clean_env())
    assert r.returncode == 0, r.stderr
    graph = SceneGraph.load(out)
    assert graph.objects and {o.label for o in graph.objects} <= {"apple", "mug"}
    assert "Traceback" not in r.stderr


def test_cli_without_weights_names_what_to_download(tmp_path):
    Image.fromarray(_image(7)).save(tmp_path / "photo.png")
    out = tmp_path / "graph.json"
    r = _cli("graph", str(tmp_path / "photo.png"), "--detector", "grounding-dino",
             "--segmenter", "sam", "--out", str(out),
             env=_clean_env(HF_HOME=str(tmp_path / "empty-hf")))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    for needed in ("IDEA-Research/grounding-dino-tiny", "--detector-model",
                   "SCENEEDIT_GROUNDING_DINO_MODEL", "facebook/sam-vit-base",
                   "--segmenter-model", "hf download"):
        assert needed in r.stderr, needed
    assert not out.exists()


def test_classical_backend_takes_no_model_options():
    from sceneedit.perception import ClassicalPerceiver
    from sceneedit.perception.foundation import build_perceiver

    assert isinstance(build_perceiver(), ClassicalPerceiver)
    with pytest.raises(InvalidInputError, match="--segmenter-model, --box-threshold"):
        build_perceiver("classical", segmenter_model="x", box_threshold=0.2)


def test_cli_models_lists_perception_models(checkpoints, tmp_path):
    hf_home = tmp_path / "hf"
    _install_in_hf_cache(checkpoints["owlv2"], hf_home, "google/owlv2-base-patch16-ensemble")
    r = _cli("models", "--json", env=_clean_env(HF_HOME=str(hf_home),
                                               SCENEEDIT_SAM_MODEL=str(checkpoints["sam"])))
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["sam"]["ready"] and rows["sam"]["source"] == "env"
    assert rows["owlv2"]["ready"] and rows["owlv2"]["source"] == "default"
    assert rows["owlv2"]["path"].startswith(str(hf_home))
    gdino = rows["grounding-dino"]
    assert not gdino["ready"] and "hf download" in gdino["install"]


def test_docs_python_example_runs(checkpoints, monkeypatch, capsys):
    import re

    root = Path(__file__).resolve().parents[1]
    blocks = re.findall(r"```python\n(.*?)```", (root / "docs" / "perception.md").read_text(),
                        re.S)
    assert blocks
    monkeypatch.chdir(root)
    for block in blocks:
        exec(compile(block, "docs/perception.md", "exec"), {})
    out = capsys.readouterr().out
    assert "['mug', 'apple']" in out and "encoder calls: 1" in out


def test_refinement_rounds_reuse_the_sam_embedding(checkpoints):
    from sceneedit.perception.foundation import GroundingDinoDetector, SamSegmenter
    from sceneedit.perception.refine import refine_graph
    from sceneedit.scene.model import ImageInfo

    image = _image(9)
    seg = SamSegmenter(checkpoints["sam"])
    det = GroundingDinoDetector(checkpoints["grounding-dino"])
    graph = SceneGraph(image=ImageInfo(width=128, height=96), objects=[])
    rounds = 0
    # Random masks all cover the whole image, so the loop may merge nodes; what matters here
    # is that each round finds its phrase and no round re-encodes the image.
    for noun in ("mug", "apple", "bottle"):
        result = refine_graph(graph, image, f"Remove the {noun}.", detector=det,
                              segmenter=seg, max_rounds=3)
        assert result.rounds and noun in {o.label for o in result.graph.objects}
        rounds += len(result.rounds)
        graph = result.graph
    assert rounds >= 3 and seg.encoder_calls == 1
