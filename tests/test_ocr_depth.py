"""Text regions through rapidocr (real PP-OCR weights from the wheel) and object depth through
the real transformers loading and inference code on a tiny random-weight depth model."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from sceneedit.errors import MissingWeightsError
from sceneedit.perception import ClassicalPerceiver
from sceneedit.synthetic import generate_scene


@pytest.fixture(scope="module")
def scene():
    return generate_scene(5, objects=[("mug", "blue"), ("ring", "red"), ("banana", None),
                                      ("apple", "red"), ("lamp", None)])


@pytest.fixture(scope="module")
def graph(scene):
    return ClassicalPerceiver().perceive(scene.image)


# ---- OCR ---------------------------------------------------------------------------------
def test_ocr_reads_drawn_text_into_a_text_object(scene, graph):
    pytest.importorskip("rapidocr_onnxruntime")
    from sceneedit.perception.ocr import TextReader

    image = scene.image.copy()
    # Free space at the top-left of this scene (no object there).
    cv2.putText(image, "SALE 42", (12, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 0), 4,
                cv2.LINE_AA)
    reader = TextReader()
    regions = reader.read(image)
    assert [r.text.replace(" ", "") for r in regions] == ["SALE42"]
    out = reader.annotate(graph, image)
    text = [o for o in out.objects if o.label == "text"]
    assert len(text) == 1 and text[0].attributes["text"].replace(" ", "") == "SALE42"
    assert text[0].id == graph.next_id() and out.ids[:len(graph.ids)] == graph.ids
    x0, y0, x1, y1 = text[0].box
    assert x0 <= 20 and y0 <= 35 and 150 <= x1 <= 260 and 55 <= y1 <= 80
    assert reader.annotate(out, image).ids == out.ids  # already read: not added twice


def test_ocr_missing_package_is_a_clear_error(monkeypatch):
    import builtins

    from sceneedit.perception import ocr

    real_import = builtins.__import__

    def no_rapidocr(name, *args, **kwargs):
        if name == "rapidocr_onnxruntime":
            raise ImportError("No module named 'rapidocr_onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(ocr, "_ENGINE", [])
    monkeypatch.setattr(builtins, "__import__", no_rapidocr)
    with pytest.raises(MissingWeightsError, match=r"pip install 'sceneedit\[ocr\]'"):
        ocr.TextReader().read(np.zeros((32, 32, 3), np.uint8))


# ---- depth -------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tiny_depth_model(tmp_path_factory):
    """A Depth Anything model with a 4-layer, 32-wide DINOv2 backbone and random weights,
    saved with its image processor in the transformers layout."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    backbone = transformers.Dinov2Config(
        hidden_size=32, num_hidden_layers=4, num_attention_heads=2, intermediate_size=64,
        patch_size=14, image_size=56, out_features=["stage1", "stage2", "stage3", "stage4"],
        reshape_hidden_states=False)
    config = transformers.DepthAnythingConfig(
        backbone_config=backbone, reassemble_hidden_size=32, neck_hidden_sizes=[16, 16, 16, 16],
        fusion_hidden_size=16, head_hidden_size=8)
    torch.manual_seed(0)
    model = transformers.DepthAnythingForDepthEstimation(config).eval()
    processor = transformers.DPTImageProcessor(size={"height": 56, "width": 56},
                                               keep_aspect_ratio=False, ensure_multiple_of=14)
    path = tmp_path_factory.mktemp("tiny-depth")
    model.save_pretrained(path)
    processor.save_pretrained(path)
    return path


def test_depth_sets_every_object_and_is_deterministic(scene, graph, tiny_depth_model):
    from sceneedit.perception.depth import DepthEstimator

    est = DepthEstimator(tiny_depth_model, device="cpu")
    out = est.annotate(graph, scene.image)
    depths = [o.depth for o in out.objects]
    assert all(d is not None and 0.0 <= d <= 1.0 for d in depths)
    assert len(set(depths)) > 1  # random weights still give a non-flat map
    depth_map = est.depth_map(scene.image)
    assert depth_map.shape == scene.image.shape[:2] and depth_map.dtype == np.float32
    assert est.encoder_calls == 1  # the second request read the cached map
    again = DepthEstimator(tiny_depth_model, device="cpu").annotate(graph, scene.image)
    assert [o.depth for o in again.objects] == depths
    assert out.ids == graph.ids and [o.label for o in out.objects] == \
        [o.label for o in graph.objects]


def test_depth_order_relations(tiny_depth_model):
    from sceneedit.perception.depth import DepthEstimator

    crowded = generate_scene(4, n_objects=7)  # has close pairs, which depth can order
    assert not any(r.predicate == "in_front_of" for r in crowded.graph.relations)
    out = DepthEstimator(tiny_depth_model, device="cpu").annotate(crowded.graph, crowded.image)
    fronts = [r for r in out.relations if r.predicate == "in_front_of"]
    assert fronts
    for rel in fronts:
        assert out.get(rel.subject).depth + 0.05 <= out.get(rel.object).depth
        assert out.holds(rel.object, "behind", rel.subject)


def test_depth_in_the_refinement_loop(scene, graph, tiny_depth_model):
    from sceneedit.perception.depth import DepthEstimator
    from sceneedit.perception.refine import refine_graph

    start = graph.model_copy(update={"objects": [o for o in graph.objects
                                                 if o.label != "banana"]})
    result = refine_graph(start, scene.image, "remove the banana",
                          annotator=DepthEstimator(tiny_depth_model, device="cpu"))
    assert all(o.depth is not None for o in result.graph.objects)
    added = result.graph.get(result.diff.added[0])
    assert added.label == "banana" and added.depth is not None


def test_depth_without_weights_says_what_to_download(tmp_path, monkeypatch):
    from sceneedit.perception.depth import ENV_VAR, DepthEstimator

    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(MissingWeightsError, match="no depth model is configured.*hf download"):
        DepthEstimator()
    with pytest.raises(MissingWeightsError, match="is not a directory on this machine"):
        DepthEstimator(tmp_path / "nowhere").load()
    with pytest.raises(MissingWeightsError, match="has no config.json"):
        DepthEstimator(tmp_path).load()
    pytest.importorskip("transformers")
    with pytest.raises(MissingWeightsError, match=f"could not be loaded.*{ENV_VAR}"):
        DepthEstimator("someone/not-in-the-cache", device="cpu").load()
