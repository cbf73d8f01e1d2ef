"""The evaluation harness: metrics with known answers, the dataset readers of each layout, the
CIEBench-from-synthetic builder and the harness end to end (gold plans, and the real llama.cpp
planner on the tiny random GGUF), failures counted, JSON written, CLIP on a tiny random model."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sceneedit.errors import InvalidInputError
from sceneedit.eval import metrics
from sceneedit.eval.builder import write_ciebench, write_jsonl, write_reasonedit
from sceneedit.eval.dataset import detect_layout, read_dataset
from sceneedit.eval.expected import edit_succeeded
from sceneedit.eval.harness import Scorers, run_eval
from sceneedit.eval.learned import ClipScorer, Unavailable, load_clip, load_lpips
from sceneedit.eval.pipeline import ClassicalEdit
from sceneedit.eval.report import format_table, save_json
from sceneedit.eval.suite import synthetic_items
from sceneedit.perception import ClassicalPerceiver


def _noise(h=48, w=64, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# ---- metrics ---------------------------------------------------------------------------------
def test_identical_images_are_perfectly_preserved():
    a = _noise()
    mask = np.zeros(a.shape[:2], bool)
    mask[10:20, 10:30] = True
    assert metrics.psnr_outside(a, a.copy(), mask) == math.inf
    assert metrics.ssim_outside(a, a.copy(), mask) == pytest.approx(1.0)


def test_change_inside_the_mask_is_ignored_and_outside_is_measured_exactly():
    a = _noise()
    mask = np.zeros(a.shape[:2], bool)
    mask[10:20, 10:30] = True
    b = a.copy()
    b[mask] = 255 - b[mask]                     # anything inside the mask: not counted
    assert metrics.psnr_outside(a, b, mask) == math.inf
    b = a.copy()
    b[30:40, 40:50] = 255 - b[30:40, 40:50]     # 100 pixels outside the mask inverted
    diff = (b.astype(float) - a)[~mask]
    want = 10 * math.log10(255 ** 2 / np.mean(diff ** 2))
    assert metrics.psnr_outside(a, b, mask) == pytest.approx(want)
    assert want < 30
    assert metrics.ssim_outside(a, b, mask) < 0.99


def test_opencv_ssim_matches_scikit_image():
    pytest.importorskip("skimage")
    a = _noise(40, 50, 1)
    b = np.clip(a.astype(int) + _noise(40, 50, 2) // 8 - 16, 0, 255).astype(np.uint8)
    np.testing.assert_allclose(metrics._ssim_map_opencv(a, b), metrics.ssim_map(a, b),
                               atol=2e-3)


def test_mask_covering_everything_leaves_nothing_to_measure():
    a = _noise()
    full = np.ones(a.shape[:2], bool)
    assert metrics.psnr_outside(a, a, full) is None and metrics.ssim_outside(a, a, full) is None
    with pytest.raises(InvalidInputError):
        metrics.psnr_outside(a, a[:, :10], full[:, :10])


def test_iou_and_protocol_resize():
    a, b = np.zeros((10, 10), bool), np.zeros((10, 10), bool)
    a[0:4, 0:4], b[2:6, 2:6] = True, True         # 16 + 16 - 4 overlap
    assert metrics.mask_iou(a, b) == pytest.approx(4 / 28)
    assert metrics.mask_iou(a, a) == 1.0
    assert metrics.mask_iou(np.zeros((3, 3), bool), np.zeros((3, 3), bool)) is None
    img, m = metrics.protocol_resize(_noise(30, 70), np.eye(30, 70, dtype=bool), 32)
    assert img.shape == (32, 32, 3) and m.shape == (32, 32) and m.dtype == bool
    assert metrics.mask_bbox(a) == (0, 0, 4, 4)


# ---- dataset readers -------------------------------------------------------------------------
def _save(path: Path, arr: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def _mask_img(h=48, w=64, box=(5, 5, 20, 20)) -> np.ndarray:
    m = np.zeros((h, w, 3), np.uint8)
    m[box[1]:box[3], box[0]:box[2]] = 255
    return m


def test_ciebench_layout_is_read_as_published(tmp_path):
    _save(tmp_path / "0" / "0.png", _noise())
    _save(tmp_path / "0" / "0_mask.png", _mask_img(box=(0, 0, 10, 10)))
    _save(tmp_path / "0" / "0_mask2.png", _mask_img(box=(30, 30, 40, 40)))
    (tmp_path / "benchmark.json").write_text(json.dumps({"0": {
        "image path": "0/0.png", "instruction": "What gives light? Remove it.",
        "mask path": ["0/0_mask.png", "0/0_mask2.png"], "CLIP": ["white wall"],
        "notes": "special case"}}))
    assert detect_layout(tmp_path) == "ciebench"
    [item] = read_dataset(tmp_path)
    assert item.instruction == "What gives light? Remove it." and item.clip_text == "white wall"
    mask = item.load_mask((48, 64))
    assert mask.sum() == 200 and mask[0, 0] and mask[35, 35]    # the two masks united
    assert item.load_gold() is None


def test_reasonedit_layout_pairs_images_masks_and_lines(tmp_path):
    cat = tmp_path / "4-Color"
    for k in range(2):
        _save(cat / f"{k:03d}.png", _noise(seed=k))
        Image.fromarray(_mask_img()).save(cat / f"{k:03d}_mask.jpg", quality=90)
    (cat / "Color_text.txt").write_text("Make the red cup blue. CLIP: a blue cup\n"
                                        "Turn the left apple green CLIP: green apple\n\n")
    assert detect_layout(tmp_path) == "reasonedit"
    items = read_dataset(tmp_path)
    assert [i.instruction for i in items] == ["Make the red cup blue.",
                                              "Turn the left apple green"]
    assert items[1].clip_text == "green apple" and items[0].category == "4-Color"
    assert items[0].load_mask((48, 64)).sum() == 225              # JPEG grey levels > 127
    (cat / "Color_text.txt").write_text("only one line CLIP: x\n")
    with pytest.raises(InvalidInputError, match="pair up"):
        read_dataset(tmp_path, "reasonedit")


def test_jsonl_layout_and_malformed_input(tmp_path):
    _save(tmp_path / "a.png", _noise())
    _save(tmp_path / "a_m.png", _mask_img())
    lines = [{"image": "a.png", "instruction": "Remove the mug.", "mask": "a_m.png",
              "clip": "table", "id": "x1"}]
    (tmp_path / "d.jsonl").write_text("\n".join(map(json.dumps, lines)) + "\n")
    [item] = read_dataset(tmp_path / "d.jsonl")
    assert (item.id, item.clip_text) == ("x1", "table")
    (tmp_path / "d.jsonl").write_text('{"image": "a.png", "instruction": "x"\n')
    with pytest.raises(InvalidInputError, match="line 1"):
        read_dataset(tmp_path / "d.jsonl")
    (tmp_path / "d.jsonl").write_text('{"image": "a.png", "instruction": "x"}\n')
    with pytest.raises(InvalidInputError, match="mask"):
        read_dataset(tmp_path / "d.jsonl")
    with pytest.raises(InvalidInputError, match="not found"):
        read_dataset(tmp_path / "nope")


# ---- edit success against the expected graph -------------------------------------------------
def test_expected_graph_matching_on_true_graphs():
    [item] = synthetic_items(1, seed=3)           # the first item: a remove
    truth, edits = item.gold.truth, item.gold.edits
    assert edits[0]["op"] == "remove"
    assert edit_succeeded(truth, [], truth).ok                     # nothing asked, nothing done
    failed = edit_succeeded(truth, edits, truth)                   # asked to remove, not done
    assert not failed.ok and any("unexpected" in p for p in failed.problems)
    kept = truth.model_copy(update={"objects": [o for o in truth.objects
                                                if o.id != edits[0]["target"]]})
    assert edit_succeeded(truth, edits, kept).ok
    # A move into a relation that already holds is not done by leaving the object in place.
    a, b = truth.objects[0].id, truth.objects[1].id
    rel = next(r for r in ("left_of", "right_of", "above", "below") if truth.holds(a, r, b))
    move = [{"op": "move", "target": a, "anchor": b, "relation": rel}]
    assert not edit_succeeded(truth, move, truth).ok


# ---- builder + harness end to end ------------------------------------------------------------
@pytest.fixture(scope="module")
def suite3():
    items = synthetic_items(3, seed=0)            # one scene: remove, recolor, replace
    assert [i.category for i in items] == ["remove", "recolor", "replace"]
    return items


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory):
    pytest.importorskip("transformers")
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    d = tmp_path_factory.mktemp("clip")
    # A byte-level BPE vocabulary with no merges: the 256 byte characters (GPT-2's mapping),
    # their end-of-word forms and the two special tokens.
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    chars, extra = [], 0
    for b in range(256):
        chars.append(chr(b) if b in printable else chr(256 + extra))
        extra += b not in printable
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars])}
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    (d / "vocab.json").write_text(json.dumps(vocab))
    (d / "merges.txt").write_text("#version: 0.2\n")
    torch.manual_seed(0)
    text = dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=2, max_position_embeddings=77,
                bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                pad_token_id=vocab["<|endoftext|>"])
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=2, image_size=32, patch_size=8)
    CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=16)) \
        .save_pretrained(d)
    CLIPImageProcessor(size={"shortest_edge": 32},
                       crop_size={"height": 32, "width": 32}).save_pretrained(d)
    return d


def test_clip_scorer_loads_a_local_model_and_scores(tiny_clip):
    scorer = ClipScorer(tiny_clip)
    img = _noise(40, 30)
    s1, s2 = scorer.score(img, "a red apple"), scorer.score(img, "a red apple")
    assert s1 == s2 and 0.0 <= s1 <= 100.0
    assert scorer.score(img, "a blue mug") != s1 or scorer.score(_noise(seed=5), "a red apple") \
        != s1


def test_missing_learned_weights_are_reported_never_zero(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    missing = load_clip(None)
    assert isinstance(missing, Unavailable) and "huggingface-cli download" in missing.reason
    empty = load_clip(str(tmp_path))
    assert isinstance(empty, Unavailable) and "config.json" in empty.reason
    lp = load_lpips()
    assert isinstance(lp, Unavailable) and "lpips" in lp.reason


def test_ciebench_from_synthetic_end_to_end_with_gold_plans(suite3, tiny_clip, tmp_path):
    root = tmp_path / "cie"
    assert write_ciebench(suite3, root) == 3
    # A fourth item whose image is corrupt: it must be counted as a failure, not dropped.
    index = json.loads((root / "benchmark.json").read_text())
    (root / "3").mkdir()
    (root / "3" / "3.png").write_bytes(b"\x89PNG not really")
    index["3"] = {**index["0"], "image path": "3/3.png"}
    (root / "benchmark.json").write_text(json.dumps(index))

    items = read_dataset(root)
    assert [i.instruction for i in items[:3]] == [i.instruction for i in suite3]
    assert items[0].load_gold().edits == suite3[0].gold.edits
    scorers = Scorers(ClassicalPerceiver(), clip=ClipScorer(tiny_clip), lpips=load_lpips())
    report = run_eval(items, ClassicalEdit(oracle=True), scorers, meta={"dataset": str(root)})
    ok, bad = report.items[:3], report.items[3]
    assert [r.success for r in ok] == [True, True, True], [r.problems for r in ok]
    assert all(r.referent_correct and r.plan_exact and r.verified for r in ok)
    assert all(r.changed_outside_footprint == 0 and 0.3 < r.iou <= 1 for r in ok)
    assert all(r.psnr > 30 and r.ssim > 0.95 and r.psnr_protocol > 25 for r in ok)
    assert all(r.clip is not None and 0 <= r.clip <= 100 for r in ok)
    assert bad.failed and "cannot be decoded" in bad.error and bad.success is False
    a = report.summary["all"]
    assert a["failed"] == 1 and a["success"]["rate"] == pytest.approx(3 / 4)
    assert a["referent"]["rate"] == pytest.approx(3 / 4) and a["psnr"]["n"] == 3
    assert a["iou"]["n"] == 4                                       # the failure counts as 0
    assert {"perceive", "plan", "render", "verify", "metrics"} <= \
        set(report.summary["latency_seconds"])
    table = format_table(report)
    assert "failures: 1" in table and "3/3.png" in table and "LPIPS unavailable" in table
    out = tmp_path / "res.json"
    save_json(report, out)
    data = json.loads(out.read_text())                              # strict JSON
    assert data["summary"]["all"]["failed"] == 1 and len(data["items"]) == 4
    assert data["meta"]["peak_rss_mib"] > 0


def test_other_layouts_round_trip_and_oracle_needs_gold(suite3, tmp_path):
    write_reasonedit(suite3[:2], tmp_path / "re")
    write_jsonl(suite3[:2], tmp_path / "jl")
    re_items, jl_items = read_dataset(tmp_path / "re"), read_dataset(tmp_path / "jl")
    assert {i.instruction for i in re_items} == {i.instruction for i in suite3[:2]}
    assert jl_items[1].load_gold().edits == suite3[1].gold.edits
    for a, b in zip(jl_items, suite3[:2]):
        np.testing.assert_array_equal(a.load_mask((384, 512)), b.mask_array)
    # Reason-Edit has no gold plans: the oracle cannot run, and each item says why.
    report = run_eval(re_items[:1], ClassicalEdit(oracle=True), Scorers(ClassicalPerceiver()))
    assert report.items[0].failed and "gold plans" in report.items[0].error


def test_cli_runs_the_llm_planner_on_the_tiny_random_gguf(tmp_path, capsys):
    pytest.importorskip("llama_cpp")
    from sceneedit.cli import main
    from sceneedit.llm.tiny_gguf import write_tiny_gguf

    gguf = write_tiny_gguf(tmp_path / "tiny.gguf", n_ctx=4096, seed=0)
    out = tmp_path / "llm.json"
    assert main(["eval", "--synthetic", "1", "--llm", str(gguf), "-o", str(out),
                 "--quiet"]) == 0
    table = capsys.readouterr().out
    assert "LLM planner (tiny.gguf)" in table
    data = json.loads(out.read_text())
    [item] = data["items"]
    assert item["seconds"]["plan"] > 0
    # A random model plans nothing useful: whatever it did is measured, not assumed.
    assert item["success"] in (True, False) and item["referent_correct"] in (True, False)
    assert data["summary"]["all"]["n"] == 1
    # the same item through the full Editor: its stages (verify among them) are measured
    out = tmp_path / "editor.json"
    assert main(["eval", "--synthetic", "1", "--llm", str(gguf), "--editor", "-o", str(out),
                 "--quiet"]) == 0
    assert "Editor (tiny.gguf)" in capsys.readouterr().out
    [item] = json.loads(out.read_text())["items"]
    assert "perceive" in item["seconds"] and "plan" in item["seconds"]


def test_cli_errors_are_clear(tmp_path, capsys):
    from sceneedit.cli import main

    assert main(["eval", str(tmp_path / "missing")]) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "benchmark.json").write_text("{oops")
    assert main(["eval", str(tmp_path / "x"), "--oracle-plan"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
