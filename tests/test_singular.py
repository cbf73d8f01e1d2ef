"""The one singulariser shared by the vocabulary extractor (detector prompts) and the needs
extractor (refinement): plurals each of the former two copies got wrong now come out right in
both."""
import pytest

from sceneedit.perception.needs import instruction_needs
from sceneedit.perception.vocabulary import phrases_from_instruction, singular


@pytest.mark.parametrize("plural, one", [
    ("mugs", "mug"), ("cherries", "cherry"), ("ties", "tie"), ("boxes", "box"),
    ("glasses", "glass"), ("dishes", "dish"), ("shoes", "shoe"), ("tomatoes", "tomato"),
    ("knives", "knife"), ("mice", "mouse"), ("tvs", "tv"), ("sizes", "size"),
    ("Mugs", "mug"), ("glass", "glass"), ("bus", "bus")])
def test_singular(plural, one):
    assert singular(plural) == one


def test_vocabulary_phrases_use_irregular_and_short_plurals():
    assert phrases_from_instruction("remove the shoes and the knives from the shelves") == \
        ["shoe", "knife", "shelf"]
    assert phrases_from_instruction("turn off the tvs") == ["tv"]


def test_needs_singularise_like_the_vocabulary():
    needs = instruction_needs("remove the ties and the two cherries")
    assert [(n.noun, n.count) for n in needs] == [("tie", 1), ("cherry", 2)]
