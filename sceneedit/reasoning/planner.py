"""The planner: a scene graph and an instruction in, a validated Plan out.

Decoding is grammar-constrained by a per-scene JSON schema (ids, ops, colours and relations are
enums), so every answer parses and names only real objects; pydantic then validates it against
the graph, and semantic errors are fed back for a bounded number of repairs. A plan that still
fails is returned as ``unresolved`` — an invalid plan never leaves the planner.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..errors import SceneEditError
from ..ops import OP_REGISTRY
from ..plan import Plan
from ..scene.model import SceneGraph
from .alternatives import clause_rankings, evidence_note, plan_alternatives
from .constraints import Constraints, constraints_from_feedback
from .described import described_targets
from .intent import clause_ops, clauses, hinted_ops
from ..llm.api import LLM, LLMStats
from .normalize import copied_objects, normalize_edits
from .object_phrase import spelled_out, check_command_objects
from .per_clause import one_edit_per_clause
from .plurals import expand_plurals
from .prompt import build_messages, static_messages
from .referents import anchor_targets, bounded_targets, feedback_kept, swap_partners
from .schema import plan_schema
from .slots import slots


@dataclass
class Attempt:
    raw: str
    error: str | None


@dataclass
class PlanResult:
    plan: Plan
    missing: list[str]                 # names the graph lacks (for perception refinement)
    attempts: list[Attempt] = field(default_factory=list)
    seconds: float = 0.0
    stats: LLMStats | None = None
    # label -> log-likelihood, when the referent was described and picked by scoring labels
    referent_scores: dict[str, float] | None = None

    @property
    def needs_perception(self) -> bool:
        return bool(self.missing) and not self.plan.edits


def typed_targets(graph: SceneGraph, hinted: Iterable[str] | None) -> list[str] | None:
    """The objects of the labels the hinted ops' targets must have (``target_labels``), when
    every hinted op declares some and the graph has such objects; else None."""
    kinds = [OP_REGISTRY.get(op).model.target_labels for op in hinted or ()]
    if not kinds or not all(kinds):
        return None
    labels = {label for k in kinds for label in k}
    return [o.id for o in graph.objects if o.label in labels] or None

class Planner:
    def __init__(self, llm: LLM, *, max_repairs: int = 2, max_tokens: int = 384, seed: int = 0,
                 score_referents: bool = True):
        self.llm = llm
        # described referents ("the thing that wakes me up") picked by label likelihood
        self.score_referents = score_referents and callable(getattr(llm, "score", None))
        self.max_repairs = max_repairs
        self.max_tokens = max_tokens
        self.seed = seed

    def plan(self, graph: SceneGraph, instruction: str, *, feedback: str | None = None,
             previous: Plan | None = None, constraints: Constraints | None = None) -> PlanResult:
        if not instruction or not instruction.strip():
            raise SceneEditError("the instruction is empty")
        t0 = time.perf_counter()
        stats_before = getattr(self.llm, "stats", None)
        stats_before = stats_before.copy() if stats_before is not None else None
        cons = (constraints or Constraints()).merge(constraints_from_feedback(feedback, graph))
        # The command's own object phrase names nothing in the graph: the model, asked over
        # the labels plus "none of these", decides; context nouns never count. The absent
        # names go back as "missing" so perception can look for them (refinement loop).
        checked = None if feedback else check_command_objects(
            self.llm if self.score_referents else None, graph, instruction)
        if checked is not None and (checked.absent or checked.refuted):
            said = [f"the scene has no {' and no '.join(checked.missing)}"] * bool(checked.absent)
            said += [f"nothing in the scene is {spelled_out(p)!r}" for p in checked.refuted]
            plan = Plan(instruction=instruction, graph=None, edits=[],
                        reasoning="asked which object the instruction acts on, the model "
                                  "chose 'none of these'",
                        unresolved="; ".join(said))
            return PlanResult(plan, checked.missing, [], time.perf_counter() - t0,
                              self._stats_since(stats_before), checked.scores)
        ids = graph.ids
        before = [e.target for e in (previous.edits if previous else ())
                  if getattr(e, "target", None)]
        if feedback:
            cons.keep_ids |= feedback_kept(graph, feedback, before)
        # An instruction that names its referents outright ("remove the lemon and make the
        # lamp red"), or picks them by position or size ("the rightmost apple"), can only be
        # about those objects: the grammar says so.
        scorer = self.llm if self.score_referents else None
        named = bounded_targets(graph, instruction, feedback, before, scorer)
        # ops whose target is of one kind ("change the text on the sign": a text object)
        named = typed_targets(graph, hinted_ops(instruction, feedback)) or named
        scores = None
        if named is None and checked is not None and checked.ids:
            named, scores = checked.ids, checked.scores   # the model's stand-in, ranked first
        elif named is None and not feedback and self.score_referents:
            described = described_targets(self.llm, graph, instruction)
            if described is not None:
                named, scores = described
        targets = [i for i in (named or ids) if i not in cons.keep_ids] or None
        ops = cons.allowed_ops()
        # The wording fixes the ops ("put the X on Y" is a move) and spelled-out fields ("with
        # a small potted plant"); the model picks objects.
        hinted = [op for op in ops if op in (hinted_ops(instruction, feedback) or ())]
        spelled = slots(instruction, feedback)
        required = [] if feedback else _clause_ops(instruction, set(hinted or ops))
        anchors = anchor_targets(graph, spelled, before if feedback else ())
        # a compound of one-object clauses: exactly one edit per clause, in order
        per_clause = None if feedback else one_edit_per_clause(graph, instruction,
                                                                hinted or ops, cons.keep_ids,
                                                                scorer)
        others = None if feedback else swap_partners(graph, instruction)
        # "a copy of the white square", "use the potted plant already in the room"
        sources = [o.id for o in copied_objects(graph, f"{instruction} {feedback or ''}")]
        if others and targets and not required:
            # "swap the wine bottle and the candle": the bottle is the target, the candle the
            # other (a lone clause: no other clause may act on the candle)
            targets = [i for i in targets if i not in others] or targets
        schema = plan_schema(ids, hinted or ops, targets, spelled, anchors, per_clause, others,
                             sources or None)
        if feedback and named:
            # a re-plan on named, present objects acts: "unresolved" is no answer to "don't
            # touch the green one" (the 1.5B answered "green mug not in the scene")
            schema["properties"]["edits"]["minItems"] = 1
        prev = None
        if previous is not None:
            prev = json.dumps({"edits": [e.model_dump(by_alias=True) for e in previous.edits],
                               "unresolved": previous.unresolved})
        self.prepare()
        attempts: list[Attempt] = []
        repair: list[tuple[str, str]] = []
        plan, missing = None, []
        for _ in range(self.max_repairs + 1):
            messages = build_messages(graph, instruction, feedback, prev, repair)
            raw = self.llm.generate_json(messages, schema, max_tokens=self.max_tokens,
                                         seed=self.seed)
            try:
                plan, missing = self._check(raw, graph, instruction, cons, required, feedback)
                attempts.append(Attempt(raw, None))
                break
            except SceneEditError as exc:
                attempts.append(Attempt(raw, str(exc)))
                repair.append((raw, str(exc)))
        if plan is None:
            plan = Plan(instruction=instruction, graph=None, edits=[],
                        reasoning="no valid plan within the repair budget",
                        unresolved=f"the planner could not produce a valid plan: "
                                   f"{attempts[-1].error}")
        elif plan.edits and not feedback:
            plan = _with_evidence(plan, clause_rankings(graph, instruction, scorer))
        return PlanResult(plan, missing, attempts, time.perf_counter() - t0,
                          self._stats_since(stats_before), scores)

    def _stats_since(self, before: LLMStats | None) -> LLMStats | None:
        if before is None:
            return None
        stats = self.llm.stats.copy()
        for name in vars(stats):
            if name != "load_seconds":
                setattr(stats, name, getattr(stats, name) - getattr(before, name))
        return stats

    def prepare(self) -> None:
        """Every prompt starts with the same system prompt, edit docs and examples: pin their
        KV state (and keep it on disk), so neither other prompts on this model nor a new
        process pay for them again. Backends without pinning just skip this. ``plan`` calls
        it; ``sceneedit prepare`` calls it at setup, so that a fresh install's first plan
        does not evaluate the prefix (~35 s of the 1.5B's cold first plan on 2 cores)."""
        pin = getattr(self.llm, "pin_prefix", None)
        fmt = getattr(self.llm, "format_chat", None)
        if pin is not None and fmt is not None:
            pin(fmt(static_messages(), add_generation_prompt=False), persist=True)

    @staticmethod
    def _check(raw: str, graph: SceneGraph, instruction: str, cons: Constraints,
               required: list[tuple[str, set[str]]] = (), feedback: str | None = None
               ) -> tuple[Plan, list[str]]:
        """Parse and validate one answer; raise SceneEditError with a message the model can
        act on."""
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SceneEditError(f"the answer is not complete JSON ({exc.msg}); answer "
                                 "shorter") from None
        edits = normalize_edits(data.get("edits") or [], graph, instruction, feedback,
                                cons.forbid_ops)
        unresolved = data.get("unresolved")
        if edits:
            unresolved = None  # edits win: an actionable answer with a stray note is still one
        elif not unresolved:
            raise SceneEditError("the answer has no edits and no 'unresolved' reason")
        plan = Plan.from_dict({"format": "sceneedit.plan/1", "instruction": instruction,
                               "reasoning": data.get("reasoning") or None, "edits": edits,
                               "unresolved": unresolved})
        plan.validate_against(graph)
        expanded = expand_plurals(plan, graph, cons.keep_ids)
        if expanded is not plan:  # copies can meet an earlier removal: validate them too
            expanded.validate_against(graph)
        # user constraints last: normalising or expanding may have produced the edit at fault
        for e in expanded.edits:
            if getattr(e, "target", None) in cons.keep_ids:
                raise SceneEditError(f"{e.target} must not be edited (user constraint)")
            if e.op in cons.forbid_ops:
                raise SceneEditError(f"op {e.op!r} is not allowed (user constraint)")
        plan = expanded
        done = {e.op for e in plan.edits}
        for clause, ops in required:
            if plan.edits and not done & ops:
                raise SceneEditError(f"no edit carries out {clause!r} (it asks for "
                                     f"{' or '.join(sorted(ops))}); write one edit per action")
        return plan, [m for m in data.get("missing", []) if m]


def _with_evidence(plan: Plan, rankings: list) -> Plan:
    """The plan with the evidence that chose its targets in ``reasoning`` and, where two
    candidates were close, ``alternatives`` (both optional; the edits are unchanged)."""
    note = evidence_note(rankings, plan.edits)
    alternatives = plan_alternatives(rankings, plan.edits)
    if not note and not alternatives:
        return plan
    data = plan.model_dump(by_alias=True)
    if note:
        data["reasoning"] = f"{plan.reasoning} ({note})" if plan.reasoning else note
    if alternatives:
        data["alternatives"] = alternatives
    return Plan.from_dict(data)


def _clause_ops(instruction: str, allowed: set[str]) -> list[tuple[str, set[str]]]:
    """For a compound instruction, each action clause and the ops it allows: every clause
    must be carried out by some edit (the 1.5B model otherwise writes "remove" three times for
    "remove the banana, make the star blue and make the lamp striped")."""
    found = [(c, clause_ops(c) & allowed) for c in clauses(instruction)]
    found = [(c, ops) for c, ops in found if ops]
    return found if len(found) >= 2 else []
