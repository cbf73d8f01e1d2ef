"""The external development corpus: wording and gold annotation read from the two corpora in
``../shared/data/external`` (never copied here), scene graphs written by us from that wording
(``graphs/*.json``, expanded by ``builder.py``), returned as ``benchmarks.reasoning.cases.Case``
objects that the reasoning runner plans and scores like its own suite.

    from benchmarks.external.corpus import load_external
    dev = load_external("dev"); sealed = load_external("sealed")

RefCOCOS: the referring expression becomes an edit instruction by prefixing a verb chosen by a
seeded rule (``verb_for``): "Remove the ...", "Change the color of the ... to blue.", "Replace the
... with a cactus." ("the" is added when the expression starts without a determiner). Gold target
= the object written at the gold box (``@gold``); the 25 no-target expressions (``empty_case``)
stay impossible (no edits, ``unresolved`` set).

ComplexBench-Edit: the instruction is the record's lines whose edit types sceneedit can express
(``source.CBE_OPS``), one per line; every left-out line is named in the case's ``note``. Gold,
per line, from the ``edit pair``: op by ``edit_type``, target = the object labelled like ``ori
obj`` (or the one the spec names), ``with``/``what`` = ``new_obj``, colour / material from the
line's own "... to <x>" wording, and an addition's anchor and relation as the line says them.

Split (once, stable): a case is ``sealed`` when ``int(sha256(SPLIT_SEED + id)[:8], 16) % 100 <
SEALED_PERCENT``, else ``dev``. Tune on dev; run sealed only to report.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from benchmarks.external.builder import BuildError, build_graph
from benchmarks.external.source import CbeStep, Record, rank, records
from benchmarks.reasoning.cases import Case, SuiteError, check_case
from sceneedit.palette import COLOR_NAMES
from sceneedit.scene.model import PREDICATES, SceneGraph

__all__ = ["GRAPHS_DIR", "SPLITS", "load_external", "split_of", "verb_for"]

GRAPHS_DIR = Path(__file__).resolve().parent / "graphs"
SPLITS = ("dev", "sealed", "all")
SPLIT_SEED = "sceneedit-external-split-v1:"
SEALED_PERCENT = 45
VERB_SEED = "sceneedit-external-verb-v1:"
VERBS = ("remove", "recolor", "replace")
# Colours that few objects have; a recolour to the object's own colour is skipped to the next.
RECOLORS = ("red", "blue", "green", "yellow", "purple", "pink", "orange")
# Things unlikely to be in any of these scenes (so a replacement is never a `source` case).
REPLACEMENTS = ("cactus", "statue", "mailbox", "snowman", "barrel", "lamp post")
# Why a line marked "skip" in a spec is left out of the instruction.
CBE_SKIP = ("not expressible on its graph: it acts on or places by an object an earlier line adds, "
            "or needs a relation or colour the plan format has no value for")
_DETERMINERS = {"the", "a", "an", "one", "this", "that", "these", "those", "some", "any"}


def split_of(case_id: str) -> str:
    return "sealed" if int(rank(case_id, SPLIT_SEED)[:8], 16) % 100 < SEALED_PERCENT else "dev"


def verb_for(case_id: str, target_color: str | None = None) -> str:
    """The verb of a RefCOCOS case by the seeded rule: ``remove``, ``recolor:<colour>`` (never
    the target's own colour) or ``replace:<thing>``."""
    h = int(rank(case_id, VERB_SEED)[:8], 16)
    verb = VERBS[h % 3]
    if verb == "recolor":
        colors = [c for c in RECOLORS[(h // 3) % 7:] + RECOLORS[:(h // 3) % 7] if c != target_color]
        return f"recolor:{colors[0]}"
    if verb == "replace":
        return f"replace:{REPLACEMENTS[(h // 3) % len(REPLACEMENTS)]}"
    return verb


def _noun_phrase(expression: str) -> str:
    first = expression.split()[0].lower()
    return expression if first in _DETERMINERS else f"the {expression}"


def _refcocos_instruction(expression: str, verb: str) -> tuple[str, dict[str, Any]]:
    op, _, arg = verb.partition(":")
    np_ = _noun_phrase(expression)
    if op == "remove":
        return f"Remove {np_}.", {"op": "remove"}
    if op == "recolor":
        return f"Change the color of {np_} to {arg}.", {"op": "recolor", "color": arg}
    return f"Replace {np_} with a {arg}.", {"op": "replace", "with": arg}


def _refcocos_category(rec: Record) -> str:
    if rec.empty:
        return "impossible"
    types = set(rec.types)
    # spatial wording and actions ("holding", "riding", "next to") pick by another object
    return "relation" if types & {"spatial", "verb"} else "attribute"


def _refcocos_case(spec: dict[str, Any], rec: Record) -> Case:
    raw = rec.raw
    if spec.get("annotation_id") != raw["annotation_id"]:
        raise SuiteError(f"{rec.id}: the source record is {raw['annotation_id']!r}, the spec was "
                         f"written for {spec.get('annotation_id')!r} (data file changed?)")
    gold_box = None if rec.empty else raw["solution"]
    graph = build_graph(spec["objects"], int(raw["width"]), int(raw["height"]), gold_box,
                        beside_first=True)
    instruction, edit = _refcocos_instruction(rec.expression, spec["verb"])
    golds = [o for o in graph["objects"] if o["box"] == gold_box]
    if rec.empty:
        gold, unresolved = [], f"nothing in the scene is {_noun_phrase(rec.expression)}"
    else:
        gold, unresolved = [dict(edit, target=golds[0]["id"])] if golds else [], None
    note = (f"RefCOCOS {raw['annotation_id']}: types {','.join(rec.types) or '-'}, hops "
            f"{raw['categories'].get('hops')}, distractors {raw['categories'].get('distractors')}")
    return Case(id=rec.id, category=_refcocos_category(rec), source="photo",
                graph=SceneGraph.from_dict(graph), instruction=instruction, gold=gold,
                unresolved=unresolved, scene="refcocos", note=note)


def _phrase(text: str) -> str:
    words = text.strip().rstrip(".").split()
    return " ".join(w for w in words if w.lower() not in ("the", "a", "an"))


def _after(line: str, words: str) -> str:
    m = re.search(rf"^.*\b(?:{words})\s+(.+?)[.\s]*$", line, re.I)  # the last one
    if not m:
        raise BuildError(f"no '... {words} <x>' in {line!r}")
    return _phrase(m.group(1))


# An addition names the new thing between "add" and the first word that places it.
_PLACING = r"on|onto|to|in|into|inside|at|below|above|under|near|next|behind|beside|left|right"


def _added(line: str) -> str:
    m = re.match(rf"\s*add\s+(.+?)\s+(?:{_PLACING})\b", line, re.I)
    if not m:
        raise BuildError(f"cannot tell what {line!r} adds; give what=")
    return _phrase(m.group(1))


def _cbe_edits(step: CbeStep, override: str, objects: list[dict[str, Any]]) -> list[dict]:
    """The gold edits of one ComplexBench-Edit line (one per target; see the module
    docstring). ``override``: ``^k`` or ``^k,m`` (target(s), or an addition's anchor), a
    relation, ``key=value`` (colour, style, with, what; ``_`` for spaces)."""
    fields: dict[str, Any] = {}
    indices: list[int] = []
    for tok in override.split():
        if tok.startswith("^"):
            indices = [int(k) for k in tok[1:].split(",")]
        elif tok in PREDICATES:
            fields["relation"] = tok
        elif "=" in tok:
            k, _, v = tok.partition("=")
            fields[k] = v.replace("_", " ")
        else:
            raise BuildError(f"cannot read {tok!r} in the step override {override!r}")
    if not indices and step.op != "add":
        same = [i for i, o in enumerate(objects) if o["label"] == _phrase(step.ori_obj).lower()]
        if len(same) != 1:
            raise BuildError(f"{len(same)} objects labelled {step.ori_obj!r}; name one with ^k")
        indices = same
    if any(not 0 <= i < len(objects) for i in indices):
        raise BuildError(f"{override!r}: no such object")
    ids = [objects[i]["id"] for i in indices]
    if step.op == "add":
        if len(ids) != 1 or "relation" not in fields:
            raise BuildError(f"an addition needs '^anchor relation': {step.line!r}")
        return [{"op": "add", "what": fields.get("what") or _added(step.line), "anchor": ids[0],
                 "relation": fields["relation"]}]
    edit: dict[str, Any] = {"op": step.op}
    if step.op == "replace":
        edit["with"] = fields.get("with") or _after(step.line, "to|with")
    elif step.op == "recolor":
        words = [w for w in re.findall(r"[a-z]+", step.line.lower().rsplit(" to ", 1)[-1])
                 if w in COLOR_NAMES]
        edit["color"] = fields.get("color") or (words[0] if len(words) == 1 else None)
        if edit["color"] is None:
            raise BuildError(f"no single palette colour in {step.line!r}; give color=")
    elif step.op == "restyle":
        edit["style"] = fields.get("style") or _after(step.line, "to")
    return [dict(edit, target=oid) for oid in ids]


def _one_edit_category(edit: dict[str, Any]) -> str:
    # one line left: an addition placed by its anchor is a relation case, the rest name their
    # referent plainly (by label, sometimes with a position word)
    return "relation" if edit["op"] == "add" else "attribute"


def _cbe_case(spec: dict[str, Any], rec: Record) -> Case:
    steps = rec.steps
    overrides = spec.get("steps") or [""] * len(steps)
    if len(overrides) != len(steps):
        raise BuildError(f"{len(overrides)} step overrides for {len(steps)} steps")
    graph = build_graph(spec["objects"], 640, 480)
    lines, gold, left_out = [], [], []
    for step, override in zip(steps, overrides):
        if step.op is None:
            left_out.append(f"{step.edit_type}, no sceneedit op yet ({step.line!r})")
        elif override.strip() == "skip":
            left_out.append(f"{step.edit_type}, {CBE_SKIP} ({step.line!r})")
        else:
            lines.append(step.line)
            gold += _cbe_edits(step, override, graph["objects"])
    stem, key = rec.id[len("cbe-"):].rsplit("-", 1)
    note = f"ComplexBench-Edit {stem}/{key}"
    if left_out:
        note += "; lines left out: " + "; ".join(left_out)
    return Case(id=rec.id, category="compound" if len(gold) > 1 else _one_edit_category(gold[0]),
                source="photo", graph=SceneGraph.from_dict(graph), instruction="\n".join(lines),
                gold=gold, scene=f"complexbench-edit/{stem}", note=note)


def _specs() -> list[dict[str, Any]]:
    specs = []
    for path in sorted(GRAPHS_DIR.glob("*.json")):
        specs += json.loads(path.read_text())["cases"]
    return specs


@lru_cache(maxsize=1)
def _all_cases() -> tuple[Case, ...]:
    recs = records()
    cases = []
    for spec in _specs():
        rec = recs.get(spec["id"])
        if rec is None:
            raise SuiteError(f"{spec['id']}: no such record in the external data")
        build = _refcocos_case if rec.source == "refcocos" else _cbe_case
        try:
            case = build(spec, rec)
        except (ValueError, KeyError) as exc:  # BuildError, or a spec missing a key
            raise SuiteError(f"{spec['id']}: {exc!s}") from None
        cases.append(check_case(case))
    return tuple(cases)


def load_external(split: str = "all") -> list[Case]:
    """The corpus's cases of one split (``dev``, ``sealed`` or ``all``), in file order.
    Raises source.ExternalDataMissing when the data folder is absent, SuiteError naming the
    case when a spec does not build or its gold does not fit its graph."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    return [c for c in _all_cases() if split == "all" or split_of(c.id) == split]
