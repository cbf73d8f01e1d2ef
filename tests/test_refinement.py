"""The refinement loop end to end on the synthetic domain, and its merge / split / relabel /
crop cases on a scripted detector (real classical segmentation under both)."""
from __future__ import annotations

import json

import cv2
import pytest

from sceneedit.errors import InvalidInputError
from sceneedit.masks import RLE, iou, mask_box
from sceneedit.perception import ClassicalPerceiver
from sceneedit.perception.api import Detection, Detector, Segmenter
from sceneedit.perception.classical_detect import ClassicalDetector, ClassicalSegmenter, \
    classical_backends
from sceneedit.perception.needs import instruction_needs, missing_needs
from sceneedit.perception.refine import RefineConfig, Refiner, refine_graph
from sceneedit.scene.model import SceneGraph
from sceneedit.synthetic import generate_scene
from sceneedit.synthetic.categories import LEXICON

# Seed 5 with these objects: mug, ring, banana, apple and lamp apart, the ring below-left of the
# mug (inside a crop of margin 2 around it).
OBJECTS = [("mug", "blue"), ("ring", "red"), ("banana", None), ("apple", "red"), ("lamp", None)]


@pytest.fixture(scope="module")
def scene():
    return generate_scene(5, objects=OBJECTS)


@pytest.fixture(scope="module")
def perceived(scene):
    graph = ClassicalPerceiver().perceive(scene.image)
    assert sorted(o.label for o in graph.objects) == sorted(c for c, _ in OBJECTS)
    return graph


def _truth(scene, label):
    return next(o for o in scene.graph.objects if o.label == label)


def _node(graph, label):
    return next(o for o in graph.objects if o.label == label)


def _without(graph: SceneGraph, *labels: str) -> SceneGraph:
    return graph.model_copy(update={
        "objects": [o for o in graph.objects if o.label not in labels]}).with_derived_relations()


class ScriptedDetector:
    """A deterministic Detector: each entry is (phrase, exact pixel patch, score). It finds a
    patch by exact template match, so it answers on crops as on the whole image, and records
    every call. ``crops_only``: it sees nothing in the full image, only in crops of it (a
    stand-in for small objects that a detector finds only when zoomed in)."""

    name = "scripted"
    lexicon = LEXICON  # it plays a detector of the synthetic domain

    def __init__(self, image, entries, *, crops_only=False):
        self.full_shape = image.shape
        self.entries = [(p, image[b[1]:b[3], b[0]:b[2]].copy(), s) for p, b, s in entries]
        self.crops_only = crops_only
        self.calls: list[tuple[tuple[int, ...], tuple[str, ...], float | None]] = []

    def detect(self, image, phrases, *, box_threshold=None, text_threshold=None):
        self.calls.append((image.shape, tuple(phrases), box_threshold))
        if self.crops_only and image.shape == self.full_shape:
            return []
        out = []
        for phrase, patch, score in self.entries:
            if phrase not in phrases or score < (box_threshold or 0.0):
                continue
            if patch.shape[0] > image.shape[0] or patch.shape[1] > image.shape[1]:
                continue
            diff = cv2.matchTemplate(image, patch, cv2.TM_SQDIFF)
            lo, _, (x, y), _ = cv2.minMaxLoc(diff)
            if lo <= 0.01 * patch.size:  # an exact match (up to FFT rounding)
                out.append(Detection(phrase, (float(x), float(y), float(x + patch.shape[1]),
                                              float(y + patch.shape[0])), score))
        return out


def test_backends_implement_the_protocols():
    assert isinstance(ClassicalDetector(), Detector)
    assert isinstance(ClassicalSegmenter(), Segmenter)


def test_instruction_needs():
    got = [(n.phrase, n.count) for n in instruction_needs(
        "Remove the red mug and the two apples, then replace the lamp with a floor lamp.")]
    assert got == [("red mug", 1), ("apple", 2), ("lamp", 1)]
    assert [n.phrase for n in instruction_needs("add a cat left of the orange")] == ["orange"]
    assert [n.phrase for n in instruction_needs("Make the TV's speaker louder")] == \
        ["tv", "speaker"]


def test_missing_needs_prefers_the_planner(perceived):
    assert missing_needs(perceived, "remove the banana") == []
    assert [n.phrase for n in missing_needs(perceived, "remove the banana",
                                            planner_missing=["toaster"])] == ["toaster"]
    no_banana = _without(perceived, "banana")
    assert [n.phrase for n in missing_needs(no_banana, "remove the bananas")] == ["banana"]
    table = perceived.objects[0].model_copy(update={"label": "coffee table"})
    assert instruction_needs("clean the table")[0].matches(table)
    assert not instruction_needs("clean the coffee table")[0].matches(
        table.model_copy(update={"label": "table"}))
    # A colour in the phrase must agree: the graph's mug is blue.
    assert [n.phrase for n in missing_needs(perceived, "remove the red mug")] == ["red mug"]


def test_classical_detector_lower_thresholds_find_more(scene):
    det = ClassicalDetector()
    assert [d.phrase for d in det.detect(scene.image, ["banana"])] == ["banana"]
    # "fruit" names a kind, not a category: only a lower text threshold accepts it.
    assert det.detect(scene.image, ["fruit"]) == []
    assert {d.extra["label"] for d in det.detect(scene.image, ["fruit"], text_threshold=0.5)} \
        == {"banana", "apple"}
    # "green mug" for the blue mug: found only at a low text threshold.
    assert det.detect(scene.image, ["green mug"]) == []
    assert len(det.detect(scene.image, ["green mug"], text_threshold=0.4)) == 1
    all_labels = [c for c, _ in OBJECTS]
    strict = det.detect(scene.image, all_labels, box_threshold=0.95)
    loose = det.detect(scene.image, all_labels, box_threshold=0.3)
    assert len(strict) < len(loose) == len(OBJECTS)
    assert det.encoder_calls == 1  # the image was segmented once for all of these calls


def test_one_round_recovers_a_dropped_object(scene, perceived):
    start = _without(perceived, "banana")
    detector, segmenter = classical_backends()
    result = refine_graph(start, scene.image, "Remove the banana.", detector=detector,
                          segmenter=segmenter)
    assert len(result.rounds) == 1 and result.stop_reason == "nothing missing"
    # Detector and segmenter share one segmentation of the image (the "encoder").
    assert segmenter.encoder_calls == detector.encoder_calls == 1
    added = result.diff.added
    assert added == [start.next_id()]
    banana = result.graph.get(added[0])
    assert banana.label == "banana" and banana.provenance.round == 1
    assert iou(banana.mask.to_array(), _truth(scene, "banana").mask.to_array()) >= 0.9
    assert banana.attributes["color"] == "yellow"
    # Everything else is untouched: same ids, labels, boxes, masks.
    assert result.diff.removed == [] and result.diff.changed == {}
    for obj in start.objects:
        assert result.graph.get(obj.id) == obj
    assert any(added[0] in (r.subject, r.object) for r in result.graph.relations)
    assert str(result.rounds[0].diff).startswith(f"+ {added[0]} banana (yellow)")
    assert result.versions[0] is start and result.versions[-1] is result.graph


def test_encoder_runs_once_across_three_rounds(scene, perceived):
    """Each round's lower threshold reveals one more object; the segmenter is asked every
    round and encodes the image once."""
    start = _without(perceived, "apple", "mug", "lamp")
    entries = [("apple", _truth(scene, "apple").box, 0.55),
               ("mug", _truth(scene, "mug").box, 0.42),
               ("lamp", _truth(scene, "lamp").box, 0.33)]
    detector, segmenter = ScriptedDetector(scene.image, entries), ClassicalSegmenter()
    refiner = Refiner(detector, segmenter, config=RefineConfig(box_threshold=0.5, decay=0.8))
    result = refiner.refine(start, scene.image, "Remove the apple, the mug and the lamp.",
                            max_rounds=3)
    assert [[a.split()[2] for a in r.actions] for r in result.rounds] == \
        [["apple"], ["mug"], ["lamp"]]
    assert [r.thresholds[0] for r in result.rounds] == pytest.approx([0.5, 0.4, 0.32])
    assert segmenter.encoder_calls == 1
    assert result.stop_reason == "nothing missing"
    for label in ("apple", "mug", "lamp"):
        assert iou(_node(result.graph, label).mask.to_array(),
                   _truth(scene, label).mask.to_array()) >= 0.9


def test_round_budget_is_honoured(scene, perceived):
    det = ScriptedDetector(scene.image, [])
    result = Refiner(det, ClassicalSegmenter()).refine(perceived, scene.image,
                                                       "Remove the cat.", max_rounds=2)
    assert len(result.rounds) == 2 and len(det.calls) == 2
    assert result.stop_reason == "round budget spent (2)"
    assert [n.phrase for n in result.remaining] == ["cat"]
    assert result.graph.ids == perceived.ids
    assert det.calls[1][2] < det.calls[0][2]  # the second round asked with a lower threshold
    none = Refiner(det, ClassicalSegmenter()).refine(perceived, scene.image, "Remove the cat.",
                                                     max_rounds=0)
    assert none.rounds == [] and none.graph is perceived


def test_merge_keeps_the_lowest_id(scene, perceived):
    """Perception cut the lamp in two nodes with wrong labels; a lamp detection merges them."""
    lamp = _node(perceived, "lamp")
    mask = lamp.mask.to_array()
    cut = (lamp.box[1] + lamp.box[3]) // 2
    top, bottom = mask.copy(), mask.copy()
    top[cut:], bottom[:cut] = False, False
    new_id = perceived.next_id()
    objects = [o for o in perceived.objects if o.id != lamp.id] + [
        lamp.model_copy(update={"label": "triangle", "mask": RLE.from_array(top),
                                "box": mask_box(top)}),
        lamp.model_copy(update={"id": new_id, "label": "square",
                                "mask": RLE.from_array(bottom), "box": mask_box(bottom)})]
    start = perceived.model_copy(update={"objects": objects}).with_derived_relations()
    det = ScriptedDetector(scene.image, [("lamp", lamp.box, 0.9)])
    result = Refiner(det, ClassicalSegmenter()).refine(start, scene.image, "Remove the lamp.")
    d = result.diff
    assert d.removed == [new_id] and d.added == []
    assert d.changed[lamp.id]["label"] == ("triangle", "lamp")
    merged = result.graph.get(lamp.id)
    assert iou(merged.mask.to_array(), mask) >= 0.99
    assert result.rounds[0].actions == [f"merged {lamp.id}, {new_id} into {lamp.id} lamp"]
    assert merged.provenance.action == "merged"


def test_split_keeps_the_id_on_the_larger_piece():
    scene = generate_scene(11, objects=[("apple", "red"), ("apple", "red"), ("mug", "blue")])
    truth = scene.graph
    apples = [o for o in truth.objects if o.label == "apple"]
    union = apples[0].mask.to_array() | apples[1].mask.to_array()
    both = apples[0].model_copy(update={"mask": RLE.from_array(union),
                                        "box": mask_box(union), "score": 0.9})
    start = truth.model_copy(update={"objects": [both] + [
        o for o in truth.objects if o.label != "apple"]}).with_derived_relations()
    det = ScriptedDetector(scene.image, [("apple", a.box, 0.8) for a in apples])
    result = Refiner(det, ClassicalSegmenter()).refine(start, scene.image,
                                                       "Remove both apples.")
    assert result.stop_reason == "nothing missing"
    pieces = [o for o in result.graph.objects if o.label == "apple"]
    assert len(pieces) == 2
    bigger = max(apples, key=lambda a: a.area)
    kept = result.graph.get(both.id)
    assert iou(kept.mask.to_array(), bigger.mask.to_array()) >= 0.95
    other = next(p for p in pieces if p.id != both.id)
    assert other.id == start.next_id()
    assert result.diff.added == [other.id] and result.diff.removed == []
    assert result.rounds[0].actions[0].startswith(f"split {both.id} apple into {both.id} apple")


def test_relabel_only_when_the_detection_is_more_confident(scene, perceived):
    banana = _node(perceived, "banana")
    for prior, expect_label in ((0.55, "banana"), (0.95, "lemon")):
        wrong = banana.model_copy(update={"label": "lemon", "score": prior})
        start = perceived.model_copy(update={"objects": [
            wrong if o.id == banana.id else o for o in perceived.objects]})
        det = ScriptedDetector(scene.image, [("banana", banana.box, 0.8)])
        result = Refiner(det, ClassicalSegmenter()).refine(start, scene.image,
                                                           "Remove the banana.", max_rounds=1)
        assert result.graph.get(banana.id).label == expect_label
        assert result.graph.ids == start.ids  # relabelled or kept: never a duplicate node
        if expect_label == "banana":
            assert result.diff.changed[banana.id]["label"] == ("lemon", "banana")
            assert result.graph.get(banana.id).attributes["kind"] == "fruit"
        else:
            assert result.rounds[0].actions == [
                f"kept {banana.id} lemon (0.95) over banana (0.80)"]


def test_crop_around_an_anchor_finds_what_the_full_image_missed(scene, perceived):
    ring, mug = _truth(scene, "ring"), _node(perceived, "mug")
    start = _without(perceived, "ring")
    det = ScriptedDetector(scene.image, [("ring", ring.box, 0.7)], crops_only=True)
    refiner = Refiner(det, ClassicalSegmenter(), config=RefineConfig(crop_margin=2.0))
    result = refiner.refine(start, scene.image, "Remove the ring next to the mug.",
                            max_rounds=1)
    rnd = result.rounds[0]
    assert [a for a, _ in rnd.crops] == [mug.id]
    assert [f.where for f in rnd.found] == [f"crop around {mug.id}"]
    new = result.graph.get(result.diff.added[0])
    assert new.label == "ring" and list(new.box) == list(ring.box)
    assert iou(new.mask.to_array(), ring.mask.to_array()) >= 0.9


def test_summary_and_notebook_view(scene, perceived):
    start = _without(perceived, "banana")
    new_id = start.next_id()
    result = refine_graph(start, scene.image, "remove the banana")
    text = result.summary()
    assert "stopped: nothing missing" in text and "round 1 (box >= 0.50" in text
    assert "detected 'banana' -> banana" in text and f"+ {new_id} banana (yellow)" in text
    page = result._repr_html_()
    assert "round 1" in page and "<img" in page and f"{new_id} banana" in page


def test_bad_input(scene, perceived):
    with pytest.raises(InvalidInputError, match="instruction is empty"):
        refine_graph(perceived, scene.image, "  ")
    with pytest.raises(Exception, match="graph is for a 512x384 image"):
        refine_graph(perceived, scene.image[:100], "remove the banana")


def test_cli_refine(tmp_path, scene, perceived, capsys):
    from sceneedit.cli import main
    from sceneedit.io import save_image

    image, graph, out = tmp_path / "s.png", tmp_path / "g.json", tmp_path / "r.json"
    save_image(image, scene.image)
    start = _without(perceived, "banana")
    start.save(graph)
    new_id = start.next_id()
    assert main(["refine", str(image), "remove the banana", "--graph", str(graph),
                 "--out", str(out), "--rounds", "2"]) == 0
    printed = capsys.readouterr().out
    assert "round 1" in printed and f"+ {new_id} banana (yellow)" in printed
    refined = SceneGraph.load(out)
    assert _node(refined, "banana").id == new_id
    graph.write_text(json.dumps({"format": "nope"}))
    assert main(["refine", str(image), "remove the banana", "--graph", str(graph),
                 "--out", str(tmp_path / "x.json")]) == 2
    assert "format" in capsys.readouterr().err and not (tmp_path / "x.json").exists()


def test_classical_loop_encodes_the_image_once_over_three_rounds(scene, perceived):
    """Three rounds on the classical backends, crops around the found banana included: the
    segmenter's image was encoded once; the detector's crops are encoded on their own."""
    detector, segmenter = classical_backends()
    result = Refiner(detector, segmenter).refine(
        _without(perceived, "banana"), scene.image, "Remove the banana and the cat.",
        max_rounds=3)
    assert len(result.rounds) == 3 and [n.phrase for n in result.remaining] == ["cat"]
    assert [len(r.crops) for r in result.rounds] == [0, 1, 1]
    assert segmenter.encoder_calls == 1
    assert detector.encoder_calls == 2  # the full image and the (cached) crop around o6


def test_docs_examples_run():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "refinement.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    namespace: dict = {}
    ran = 0
    for block in blocks:
        if "get_llm(" in block or "models/depth" in block:
            continue  # needs a real LLM / depth model
        if "TextReader" in block:
            pytest.importorskip("rapidocr_onnxruntime")
        exec(compile(block, "docs/refinement.md", "exec"), namespace)
        ran += 1
    assert ran >= 4


def test_stops_when_the_lowest_thresholds_find_nothing(scene, perceived):
    det = ScriptedDetector(scene.image, [])
    config = RefineConfig(box_threshold=0.2, text_threshold=0.2, decay=0.5, floor=0.1)
    result = Refiner(det, ClassicalSegmenter(), config=config).refine(
        perceived, scene.image, "Remove the cat.", max_rounds=10)
    assert [r.thresholds for r in result.rounds] == [(0.2, 0.2), (0.1, 0.1)]
    assert result.stop_reason == "no progress at the lowest thresholds"
