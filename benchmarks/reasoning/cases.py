"""The reasoning benchmark: instructions on scene graphs with gold edits, and how a planner's
answer is scored against them.

Two sources of cases:
* ``load_suite()`` reads the hand-written cases in ``suite/`` (realistic photo scene graphs;
  format in ``suite/README.md``);
* ``synthetic_cases.synthetic_cases()`` templates instructions on ``sceneedit.synthetic`` scenes, whose graphs
  are exact ground truth, so every gold is correct and unique by construction.

Every gold (and accepted alternative, and previous plan) is validated against its graph when a
case is built: a broken gold would silently score a right answer as wrong, so it is a loud error
naming the case. ``score_plan`` scores one answer; ``summarise`` aggregates per category.

    from benchmarks.reasoning.cases import load_suite, score_plan, summarise, format_table
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sceneedit.errors import SceneEditError, ValidationError
from sceneedit.palette import check_color
from sceneedit.plan import PLAN_FORMAT, Plan
from sceneedit.scene.model import SceneGraph

__all__ = ["CATEGORIES", "Case", "SUITE_DIR", "SuiteError", "check_case", "format_table",
           "load_suite", "normalize_text", "score_plan", "summarise"]

SUITE_DIR = Path(__file__).resolve().parent / "suite"
CATEGORIES: tuple[str, ...] = ("implicit", "attribute", "relation", "superlative", "counting",
                               "compound", "source", "feedback", "impossible")
SOURCES: tuple[str, ...] = ("photo", "synthetic")
ID_FIELDS: tuple[str, ...] = ("target", "source", "anchor", "other")
TEXT_FIELDS: tuple[str, ...] = ("with", "what", "style")
# "1.5 times bigger" answered as 1.45 is the same edit; 1.5 vs 2.0 is not.
SCALE_TOLERANCE = 0.05


class SuiteError(ValueError):
    """A case file or a templated case is malformed, or its gold does not fit its graph."""


@dataclass
class Case:
    """One instruction on one graph, with what a careful human would answer."""

    id: str
    category: str                      # one of CATEGORIES
    source: str                        # "photo" (hand-written suite) or "synthetic"
    graph: SceneGraph
    instruction: str
    gold: list[dict[str, Any]]         # edits in the plan format; [] for impossible cases
    unresolved: str | None = None      # set (a reason) exactly when the referent is absent
    accept: list[list[dict[str, Any]]] = field(default_factory=list)  # equally right answers
    feedback: str | None = None        # the user's reply to previous_plan (feedback cases)
    previous_plan: dict[str, Any] | None = None  # {"edits": [...], "unresolved": ...}
    scene: str = ""                    # suite file stem, or "synthetic/<seed>/<index>"
    note: str | None = None            # why the case is hard (for people; planners ignore it)

    @property
    def impossible(self) -> bool:
        return self.unresolved is not None

    def golds(self) -> list[list[dict[str, Any]]]:
        """The gold edit list followed by the accepted alternatives."""
        return [self.gold, *self.accept]

    def gold_plan(self) -> Plan:
        return _plan(self.instruction, self.gold, self.unresolved)


def _plan(instruction: str, edits: Any, unresolved: Any) -> Plan:
    return Plan.from_dict({"format": PLAN_FORMAT, "instruction": instruction, "edits": edits,
                           "unresolved": unresolved})


def check_case(case: Case) -> Case:
    """Raise SuiteError naming the case unless it is well formed and its golds fit its graph."""
    def fail(msg: str) -> SuiteError:
        return SuiteError(f"case {case.id!r} ({case.scene}): {msg}")

    if case.category not in CATEGORIES:
        raise fail(f"unknown category {case.category!r}; valid: {', '.join(CATEGORIES)}")
    if case.source not in SOURCES:
        raise fail(f"unknown source {case.source!r}; valid: {', '.join(SOURCES)}")
    if (case.category == "impossible") != case.impossible:
        raise fail("'impossible' cases, and only they, have 'unresolved' set")
    if not case.impossible and not case.gold:
        raise fail("a resolvable case needs at least one gold edit")
    has_feedback = case.feedback is not None and case.previous_plan is not None
    if (case.category == "feedback") != has_feedback:
        raise fail("'feedback' cases, and only they, have both 'feedback' and 'previous_plan'")
    plans = [("gold", case.gold, case.unresolved)]
    plans += [(f"accept.{i}", alt, None) for i, alt in enumerate(case.accept)]
    if case.previous_plan is not None:
        prev = case.previous_plan
        plans.append(("previous_plan", prev.get("edits", []), prev.get("unresolved")))
    for where, edits, unresolved in plans:
        try:
            _plan(case.instruction, edits, unresolved).validate_against(case.graph)
        except SceneEditError as exc:
            raise fail(f"{where}: {exc}") from None
    return case


# ---- the hand-written suite ----------------------------------------------------------------------
_CASE_KEYS = {"id", "category", "instruction", "gold", "accept", "feedback", "previous_plan",
              "note"}


def _read_file(path: Path) -> list[Case]:
    try:
        doc = json.loads(path.read_text())
        graph = SceneGraph.from_dict(doc["graph"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError, SceneEditError) as exc:
        raise SuiteError(f"{path.name}: cannot read the graph: {exc!r}") from None
    cases = []
    for i, raw in enumerate(doc.get("cases") or []):
        if not isinstance(raw, dict):
            raise SuiteError(f"{path.name}: cases[{i}] is not a JSON object")
        missing = {"id", "category", "instruction", "gold"} - set(raw)
        unknown = set(raw) - _CASE_KEYS
        if missing or unknown or not isinstance(raw["gold"], dict) or \
                not isinstance(raw.get("previous_plan", {}), dict):
            raise SuiteError(f"{path.name}: case {raw.get('id', i)!r}: missing keys "
                             f"{sorted(missing)}, unknown keys {sorted(unknown)}; gold and "
                             "previous_plan are {'edits': [...], 'unresolved': ...}")
        cases.append(check_case(Case(
            id=raw["id"], category=raw["category"], source="photo", graph=graph,
            instruction=raw["instruction"], gold=list(raw["gold"].get("edits", [])),
            unresolved=raw["gold"].get("unresolved"), accept=list(raw.get("accept", [])),
            feedback=raw.get("feedback"), previous_plan=raw.get("previous_plan"),
            scene=path.stem, note=raw.get("note"))))
    if not cases:
        raise SuiteError(f"{path.name}: no cases")
    return cases


def load_suite(path: str | Path = SUITE_DIR) -> list[Case]:
    """All cases of a suite directory (every ``*.json`` in name order) or of one case file.
    Raises SuiteError naming the file and case on any malformed case or invalid gold."""
    path = Path(path)
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    cases = [c for f in files for c in _read_file(f)]
    dup = [i for i, n in Counter(c.id for c in cases).items() if n > 1]
    if dup:
        raise SuiteError(f"duplicate case ids: {', '.join(sorted(dup))}")
    return cases


# ---- scoring -------------------------------------------------------------------------------------
_ARTICLES = {"a", "an", "the", "some", "another", "new"}
# Style answers say the material in many ways: "made of wood", "wooden", "wood texture".
_STYLE_FILLER = {"made", "of", "out", "from", "style", "styled", "texture", "textured",
                 "material", "look", "looks", "like", "it", "is"}
_WORDS = {"couch": "sofa", "television": "tv", "cellphone": "phone", "smartphone": "phone",
          "doughnut": "donut", "houseplant": "potted plant", "wooden": "wood",
          "metallic": "metal", "golden": "gold", "woolen": "wool", "woollen": "wool",
          "glassy": "glass", "marbled": "marble", "velvety": "velvet", "leathery": "leather",
          "stony": "stone", "grey": "gray"}
_PHRASES = {"cell phone": "phone", "mobile phone": "phone", "house plant": "potted plant",
            "pot plant": "potted plant", "floor standing lamp": "floor lamp",
            "standing lamp": "floor lamp", "garbage can": "trash can", "trash bin": "trash can",
            "tv set": "tv"}


def normalize_text(text: Any, field: str = "with") -> str:
    """Case-, article-, punctuation- and (cheap) synonym-insensitive form of a text field."""
    words = re.findall(r"[a-z0-9]+", str(text).lower().replace("-", " "))
    words = [w for w in words if w not in _ARTICLES]
    if field == "style":
        words = [w for w in words if w not in _STYLE_FILLER]
    s = " ".join(_WORDS.get(w, w) for w in words)
    for phrase, canon in sorted(_PHRASES.items(), key=lambda kv: -len(kv[0])):
        s = re.sub(rf"\b{phrase}\b", canon, s)
    if len(s) > 3 and s.endswith("s") and not s.endswith("ss"):
        s = s[:-1]  # the head noun's plural: "pancakes" = "pancake"
    return s


def _text_equal(gold: Any, got: Any, field: str, synthetic: bool) -> bool:
    if normalize_text(gold, field) == normalize_text(got, field):
        return True
    if synthetic and field in ("with", "what"):  # the synthetic domain knows its synonyms
        from sceneedit.synthetic import parse_object_phrase
        try:
            return parse_object_phrase(str(gold)) == parse_object_phrase(str(got))
        except ValidationError:
            return False
    return False


def _as_dict(edit: Any) -> dict[str, Any]:
    if hasattr(edit, "model_dump"):
        return edit.model_dump(by_alias=True, mode="json")
    return {k: v for k, v in edit.items() if v is not None} if isinstance(edit, dict) else {}


def _color(value: Any) -> str:
    try:
        return check_color(str(value))
    except ValidationError:
        return str(value).strip().lower()


def _edit_equal(gold: dict[str, Any], got: dict[str, Any], synthetic: bool) -> bool:
    if gold.get("op") != got.get("op"):
        return False
    ids = [f for f in ID_FIELDS if f in gold or f in got]
    if gold["op"] == "swap":  # swapping a with b is swapping b with a
        if {gold.get("target"), gold.get("other")} != {got.get("target"), got.get("other")}:
            return False
        ids = [f for f in ids if f not in ("target", "other")]
    if any(gold.get(f) != got.get(f) for f in ids):
        return False
    for f in TEXT_FIELDS:
        if (f in gold) != (f in got):
            return False
        if f in gold and not _text_equal(gold[f], got[f], f, synthetic):
            return False
    if ("color" in gold or "color" in got) and \
            _color(gold.get("color")) != _color(got.get("color")):
        return False
    if gold.get("relation") != got.get("relation"):
        return False
    if "scale" in gold or "scale" in got:
        try:
            return abs(float(gold["scale"]) - float(got["scale"])) <= SCALE_TOLERANCE + 1e-9
        except (KeyError, TypeError, ValueError):
            return False
    return True


def _same_edits(gold: list[dict], got: list[dict], synthetic: bool) -> bool:
    """Multiset equality, order-insensitive (greedy matching suffices: equality is an
    equivalence up to the scale tolerance)."""
    if len(gold) != len(got):
        return False
    unused = list(got)
    for g in gold:
        hit = next((e for e in unused if _edit_equal(g, e, synthetic)), None)
        if hit is None:
            return False
        unused.remove(hit)
    return True


def _ids(edits: Iterable[dict]) -> set[str]:
    return {str(e[f]) for e in edits for f in ID_FIELDS if e.get(f) is not None}


def score_plan(case: Case, edits: Sequence[Any] | None, unresolved: str | None) -> dict[str, Any]:
    """Score one answer (edit dicts or sceneedit edit models, and its ``unresolved``).

    exact: the edit multiset equals the gold or an accepted alternative (text fields loosely);
    referent: the set of ids it touches (target/source/anchor/other) equals theirs;
    op_correct: the multiset of ops equals theirs; valid: the answer validates on the graph.
    On an impossible case all three are true only for no edits with ``unresolved`` set; on a
    resolvable case an answer with ``unresolved`` set is not exact.
    """
    got = [_as_dict(e) for e in edits or []]
    try:
        _plan(case.instruction, got, unresolved).validate_against(case.graph)
        valid = True
    except SceneEditError:
        valid = False
    synthetic = case.source == "synthetic"
    if case.impossible:
        exact = referent = op_correct = not got and bool(unresolved)
    else:
        golds = case.golds()
        exact = unresolved is None and any(_same_edits(g, got, synthetic) for g in golds)
        referent = bool(got) and any(_ids(g) == _ids(got) for g in golds)
        ops = Counter(str(e.get("op")) for e in got)
        op_correct = any(Counter(e["op"] for e in g) == ops for g in golds)
    return {"id": case.id, "category": case.category, "source": case.source, "exact": exact,
            "referent": referent, "op_correct": op_correct, "valid": valid}


def summarise(results: Iterable[dict[str, Any]], by: str = "category") -> list[dict[str, Any]]:
    """One row per group (categories in CATEGORIES order) and an "all" row: n and the
    percentage of exact, referent, op_correct and valid answers."""
    results = list(results)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    groups = sorted({r[by] for r in results}, key=lambda g: (order.get(g, len(order)), g))
    rows = []
    for name, rs in [*((g, [r for r in results if r[by] == g]) for g in groups), ("all", results)]:
        row: dict[str, Any] = {by: name, "n": len(rs)}
        for key in ("exact", "referent", "op_correct", "valid"):
            row[key] = round(100.0 * sum(bool(r[key]) for r in rs) / len(rs), 1) if rs else 0.0
        rows.append(row)
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of ``summarise`` rows."""
    keys = list(rows[0]) if rows else []
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines)
