"""The ``retext`` op: the words of a text object change; OCR reads the new words back."""
import numpy as np
import pytest

from sceneedit.compiler import FOOTPRINT_MARGIN
from sceneedit.errors import ValidationError
from sceneedit.masks import dilate
from sceneedit.ops import retext
from sceneedit.perception import ClassicalPerceiver
from sceneedit.plan import Plan
from sceneedit.reasoning.intent import clause_ops
from sceneedit.render import render_plan
from sceneedit.verify import verify_edit

pytest.importorskip("rapidocr_onnxruntime")
from sceneedit.editor.verification import read_text  # noqa: E402
from sceneedit.perception.ocr import TextReader  # noqa: E402


def sign(word: str = "CLOSED", angle: float = 0.0) -> np.ndarray:
    """A red sign with white bold text on a blue-grey wall, turned by ``angle`` degrees."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (360, 220), (120, 150, 170))
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.rectangle([60, 60, 300, 160], fill=(200, 30, 40, 255))
    draw.text((180, 110), word, font=retext.load_font(44, bold=True), fill=(250, 250, 250, 255),
              anchor="mm")
    layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, center=(180, 110))
    img.paste(layer, (0, 0), layer)
    return np.asarray(img)


def _retext(image: np.ndarray, new: str, index: int = 0):
    graph = TextReader().annotate(ClassicalPerceiver().perceive(image), image)
    target = [o for o in graph.objects if o.label == "text"][index]
    plan = Plan(instruction=f"Change the text on the sign to {new}",
                edits=[{"op": "retext", "target": target.id, "text": new}])
    out = render_plan(plan, image, graph)
    verdict = verify_edit(plan.edits[0], graph, graph, footprint=out.footprint,
                          image_before=image, image_after=out.image, read_text=read_text)
    return graph, target, out, verdict


@pytest.mark.parametrize("angle", [0.0, 8.0])
def test_a_sign_reads_open_afterwards(angle):
    image = sign("CLOSED", angle)
    graph, target, out, verdict = _retext(image, "OPEN")
    assert target.attributes["text"] == "CLOSED"
    assert verdict, verdict.message
    assert [t for t, _ in read_text(out.image)] == ["OPEN"]
    assert np.array_equal(out.footprint, dilate(graph.mask_of(target.id), FOOTPRINT_MARGIN))
    assert not (out.image != image).any(axis=2)[~out.footprint].any()
    # the new words keep the old ink's colour: near-white pixels on the red sign
    ink = (out.image[out.footprint] > 230).all(axis=-1)
    assert ink.sum() > 300
    # an edit that did not happen does not verify
    unchanged = verify_edit(Plan(instruction="x", edits=[
        {"op": "retext", "target": target.id, "text": "OPEN"}]).edits[0], graph, graph,
        footprint=out.footprint, image_before=image, image_after=image, read_text=read_text)
    assert not unchanged and "'CLOSED'" in unchanged.message


def test_a_real_photo_from_scikit_image():
    data = pytest.importorskip("skimage.data")
    page = np.stack([data.page()] * 3, -1)   # a photographed book page, uneven light
    graph, target, out, verdict = _retext(page, "OPEN")
    assert target.attributes["text"] == "Region-basedsegmentation"   # OCR's reading
    assert verdict, verdict.message
    assert not (out.image != page).any(axis=2)[~out.footprint].any()


def test_only_text_objects_and_only_real_changes():
    image = sign()
    graph = TextReader().annotate(ClassicalPerceiver().perceive(image), image)
    text = next(o for o in graph.objects if o.label == "text")
    other = next(o for o in graph.objects if o.label != "text")
    with pytest.raises(ValidationError, match=rf"edits\.0\.target.*{other.id} .*not a text"):
        Plan(instruction="x", edits=[{"op": "retext", "target": other.id, "text": "OPEN"}]
             ).validate_against(graph)
    with pytest.raises(ValidationError, match=r"edits\.0\.text.*already reads"):
        Plan(instruction="x", edits=[{"op": "retext", "target": text.id, "text": "closed"}]
             ).validate_against(graph)


def test_fonts_are_found_or_named(monkeypatch):
    assert retext.find_font(True).endswith(".ttf") and retext.load_font(20).getbbox("OPEN")
    monkeypatch.setenv(retext.FONT_ENV, "/nowhere/font.ttf")
    retext.find_font.cache_clear()
    with pytest.raises(retext.MissingFontError, match="SCENEEDIT_FONT=/nowhere/font.ttf"):
        retext.load_font(20)
    monkeypatch.delenv(retext.FONT_ENV)
    monkeypatch.setattr(retext, "FONT_DIRS", ())
    monkeypatch.setattr(retext.importlib.util, "find_spec", lambda name: None)
    retext.find_font.cache_clear()
    try:
        # no font file anywhere: Pillow's embedded FreeType font still draws
        assert retext.find_font(True) is None
        assert retext.load_font(20).getbbox("OPEN")[2] > 20
    finally:
        retext.find_font.cache_clear()


def test_the_planner_can_ask_for_it():
    assert clause_ops("change the text on the sign to open") == {"retext"}
    assert clause_ops("make the sign say open") == {"retext"}
    assert clause_ops("replace the word closed with open") == {"retext"}
    assert clause_ops("make the sign red") == {"recolor"}
    image = sign()
    graph = TextReader().annotate(ClassicalPerceiver().perceive(image), image)
    # "the sign" names the text's carrier: no reason to call the instruction impossible
    pytest.importorskip("spacy")
    from sceneedit.language import parse
    from sceneedit.reasoning.object_phrase import unmatched

    assert unmatched(graph, parse("Change the text on the sign to OPEN")) == []


def test_the_planner_offers_only_text_objects_as_targets():
    from sceneedit.reasoning.planner import Planner

    class Scripted:   # answers once, recording the grammar it was given
        def __init__(self, answer):
            self.answer, self.schemas = answer, []

        def generate_json(self, prompt, schema, max_tokens=512, temperature=0.0, seed=0):
            self.schemas.append(schema)
            return self.answer

        def score(self, prompt, options):   # described-referent scoring must not be needed
            raise AssertionError("scored referents for a text edit")

    image = sign()
    graph = TextReader().annotate(ClassicalPerceiver().perceive(image), image)
    text = next(o.id for o in graph.objects if o.label == "text")
    llm = Scripted('{"reasoning": "r", "edits": [{"op": "retext", "target": "%s", "text": '
                   '"OPEN"}], "unresolved": null, "missing": []}' % text)
    result = Planner(llm).plan(graph, "Change the text on the sign to OPEN")
    assert [e.model_dump() for e in result.plan.edits] == [
        {"op": "retext", "target": text, "text": "OPEN"}]
    variants = llm.schemas[0]["properties"]["edits"]["items"]["anyOf"]
    assert [v["properties"]["op"] for v in variants] == [{"const": "retext"}]
    assert variants[0]["properties"]["target"] == {"enum": [text]}
