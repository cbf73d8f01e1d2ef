"""``Editor``: one call from an instruction to a verified result.

perceive -> (refine) -> plan -> compile -> render -> verify, and on a failed verification one
re-plan with the failure as feedback. Models load once per Editor: the perceiver, the LLM
(``sceneedit.llm.llama.get_llm``, itself shared per process) and the planner are created on
first use and kept; the executor keeps its content-hash cache across calls.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from ..alternatives import find_alternative
from ..compiler import compile_plan
from ..errors import SceneEditError, WorkflowError
from ..io import check_image_array, load_image
from ..perception.mask_shaping import segmenter_for, shape_masks, shape_user_region, unshaped
from ..plan import Plan, RemoveEdit
from ..reasoning.constraints import Constraints
from ..reasoning.planner import Planner, PlanResult
from ..render import Rendered, execute
from ..render_config import RenderConfig
from ..scene.model import SceneGraph
from ..workflow.executor import Executor
from .api import Refiner, StageClock, StageFn, round_graph
from .region import update_graph
from .result import Attempt, EditResult
from .targeting import as_mask, constraints_from_mask, constraints_from_revision
from .verification import render_failure, verify_render


class Editor:
    """Edit images from instructions.

    ``llm``: a model spec for ``get_llm`` ("small", "default", a GGUF path; None = the
    configured default) or an object implementing the ``LLM`` protocol. ``refiner``: the
    perception refinement loop (``Refiner``), called when the planner reports that the graph
    lacks what the instruction is about; None = the classical loop (``LoopRefiner``) when the
    perceiver is the default classical one, else none; False = never refine. ``replan_on_failure``: re-plan once, with
    the failure as feedback, when the result does not verify. ``placeholder``: on an image
    that is not a synthetic scene, draw classical placeholders for new content (replace with a
    description, add, restyle) instead of refusing (``RenderConfig.placeholder``); the
    result's ``warnings`` say so. ``files``: files ops read at render time
    (``{"background": "beach.png"}``, see ``RenderConfig.files``).
    """

    def __init__(self, *, llm: Any = None, perceiver: Any = None, planner: Planner | None = None,
                 refiner: Refiner | None | bool = None, executor: Executor | None = None, seed: int = 0,
                 inpaint_method: str = "auto", replan_on_failure: bool = True,
                 max_refine_rounds: int = 1, n_threads: int | None = None,
                 placeholder: bool = False, files: dict[str, str] | None = None):
        self._llm_spec = llm
        self._perceiver = perceiver
        self._segmenter = None
        self._builtin_perceiver = perceiver is None
        self._planner = planner
        if refiner is None and perceiver is None:
            from .refining import LoopRefiner

            refiner = LoopRefiner()
        self.refiner = refiner or None
        self.executor = executor or Executor()
        self.seed = seed
        self.inpaint_method = inpaint_method
        self.replan_on_failure = replan_on_failure
        self.max_refine_rounds = max_refine_rounds
        self.n_threads = n_threads
        self.placeholder = placeholder
        self.files = dict(files or {})   # render-time files ops read (RenderConfig.files)

    # ---- components, created once ----------------------------------------------------------
    @property
    def perceiver(self):
        if self._perceiver is None:
            from ..perception import ClassicalPerceiver

            self._perceiver = ClassicalPerceiver()
        return self._perceiver

    def perceive(self, image: np.ndarray) -> SceneGraph:
        """The graph of a user's image. The built-in classical perceiver first checks that the
        image is one of sceneedit's synthetic scenes (``perception.domain``) and refuses a photo
        with what to do instead; a perceiver given to the Editor is trusted with any image."""
        if self._builtin_perceiver:
            from ..perception.domain import require_in_domain

            require_in_domain(image)
        return self.perceiver.perceive(image)

    @property
    def segmenter(self):
        """What shapes masks from boxes: the perceiver's SAM when configured, else GrabCut."""
        if self._segmenter is None:
            self._segmenter = segmenter_for(self._perceiver)
        return self._segmenter

    @property
    def planner(self) -> Planner:
        if self._planner is None:
            llm = self._llm_spec
            if llm is None or isinstance(llm, (str, Path)):
                from ..llm.llama import get_llm

                llm = get_llm(llm, n_threads=self.n_threads)
            self._planner = Planner(llm, seed=self.seed)
        return self._planner

    # ---- the pipeline ----------------------------------------------------------------------
    def edit(self, image: np.ndarray | str | Path, instruction: str, *, mask: Any = None,
             feedback: str | None = None, previous: Plan | None = None,
             graph: SceneGraph | None = None, progress: StageFn | None = None,
             fresh_ids_from: int = 0, box: Any = None, points: Any = ()) -> EditResult:
        """Carry out ``instruction`` on ``image`` (an RGB array or an image file).

        ``mask``: "edit here" — only objects it covers may be targets; a rectangle drawn as the
        mask, a ``box`` [x0, y0, x1, y1] or clicked ``points`` [(x, y), ...] are shaped into
        the object they mark first (``perception.mask_shaping``). ``feedback``: what the
        user says about a previous attempt ("don't use recolor", "not that one, the other
        mug"); with ``previous`` (that attempt's plan) the planner sees what it is revising.
        ``graph``: a graph of ``image`` to use instead of perceiving it (sessions pass theirs).
        ``fresh_ids_from``: objects the edit creates are numbered from at least this (a session
        passes its high-water mark so that an id is never reused).
        """
        if not isinstance(instruction, str) or not instruction.strip():
            raise SceneEditError("the instruction is empty: say what to change")
        image = load_image(image) if isinstance(image, (str, Path)) else check_image_array(image)
        clock = StageClock(progress)
        if graph is None:
            with clock.stage("perceive") as note:
                graph = self.perceive(image)
                note["done"] = f"{len(graph.objects)} objects"
        graph.check_matches(image)
        if unshaped(graph):  # boxes without masks: shape them once, before anything uses them
            with clock.stage("perceive") as note:
                n = len(unshaped(graph))
                graph = shape_masks(graph, image, self.segmenter)
                note["done"] = f"masks shaped for {n} boxed object(s) ({self.segmenter.name})"
        region_from = None
        if mask is not None or box is not None or len(points):
            mask, region_from = shape_user_region(
                image, mask=None if mask is None else as_mask(mask, graph), box=box,
                points=[tuple(p) for p in points], segmenter=self.segmenter)
        perceived = graph
        cons = self._constraints(graph, mask, feedback, previous)
        planning = self._plan(clock, graph, instruction, cons, feedback, previous)
        rounds: list[SceneGraph] = []
        if planning.needs_perception and self.refiner is not None:
            for _ in range(self.max_refine_rounds):
                with clock.stage("refine") as note:
                    graph, entries = self.refiner.refine(image, graph, instruction,
                                                         planning.missing)
                    rounds += [round_graph(e) for e in entries] or [graph]
                    note["done"] = f"{len(graph.objects)} objects after {len(entries)} round(s)"
                cons = self._constraints(graph, mask, feedback, previous)
                planning = self._plan(clock, graph, instruction, cons, feedback, previous)
                if not planning.needs_perception:
                    break
        else:
            clock.skip("refine", "the plan is actionable" if planning.plan.edits else
                       "nothing named as missing" if not planning.missing else
                       f"no refiner to look for {', '.join(planning.missing)}")
        attempts = [self._attempt(clock, image, graph, planning, feedback, fresh_ids_from)]
        first = attempts[0]
        if self.replan_on_failure and first.plan.edits and not first.ok:
            attempts.append(self._replan(clock, image, graph, instruction, cons, feedback, first,
                                         fresh_ids_from))
        return EditResult(instruction, image, perceived, rounds, attempts, clock.seconds,
                          mask=None if mask is None else np.asarray(mask), feedback=feedback,
                          region_from=region_from)

    def revise(self, result: EditResult, feedback: str | None = None, *, mask: Any = None,
               progress: StageFn | None = None) -> EditResult:
        """Re-plan ``result``'s instruction on the same image and graph with user feedback
        and / or a new mask ("not that one, the other mug"; "here")."""
        if not feedback and mask is None:
            raise SceneEditError("revise needs feedback or a mask")
        return self.edit(result.input_image, result.instruction,
                         mask=result.mask if mask is None else mask, feedback=feedback,
                         previous=result.plan, graph=result.graph, progress=progress)

    def choose(self, result: EditResult, object_id: str, *, edit: int | None = None,
               field: str | None = None, progress: StageFn | None = None,
               fresh_ids_from: int = 0) -> EditResult:
        """``result`` again with another of its plan's recorded candidates (the did-you-mean
        line, ``result.did_you_mean``): the same plan with ``object_id`` swapped in
        (``Plan.choose``; ``edit`` / ``field`` say which choice when the id is a candidate of
        several), rendered and verified on the same image and graph. No planner runs: the
        user's pick is the answer, so a failed verification is reported, not re-planned.
        """
        n = find_alternative(result.plan.alternatives, object_id, edit, field)
        alt = result.plan.alternatives[n]
        plan = result.plan.choose(object_id, edit=alt.edit, field=alt.field)
        plan.validate_against(result.graph)  # the plan need not carry the graph it was made on
        clock = StageClock(progress)
        chosen = f"{object_id} as the {alt.field} of edit {alt.edit + 1}"
        clock.skip("plan", f"your pick: {chosen}")
        attempt = self._render_attempt(clock, result.input_image, result.graph,
                                       Attempt(plan, None, result.final.feedback, chosen=chosen),
                                       fresh_ids_from)
        # perception, refinement, the mask and the instruction are the result's own
        return dataclasses.replace(result, attempts=[attempt], seconds=clock.seconds)

    # ---- steps -----------------------------------------------------------------------------
    def _constraints(self, graph: SceneGraph, mask: Any, feedback: str | None,
                     previous: Plan | None) -> Constraints:
        cons = constraints_from_revision(feedback, previous)
        if mask is not None:
            cons = cons.merge(constraints_from_mask(graph, mask))
        return cons

    def _plan(self, clock: StageClock, graph: SceneGraph, instruction: str, cons: Constraints,
              feedback: str | None, previous: Plan | None) -> PlanResult:
        with clock.stage("plan") as note:
            result = self.planner.plan(graph, instruction, feedback=feedback, previous=previous,
                                       constraints=cons)
            p = result.plan
            note["done"] = f"{len(p.edits)} edit(s)" if p.edits else f"unresolved: {p.unresolved}"
        return result

    def _render(self, clock: StageClock, image: np.ndarray, graph: SceneGraph,
                plan: Plan) -> Rendered:
        with clock.stage("compile") as note:
            config = RenderConfig(seed=self.seed, inpaint_method=self.inpaint_method,
                                  placeholder=self.placeholder, files=self.files)
            workflow = compile_plan(plan, graph, config=config)
            note["done"] = f"{len(workflow.nodes)} brick calls"
        with clock.stage("render") as note:
            rendered = execute(workflow, image, graph, executor=self.executor)
            note["done"] = f"{int(rendered.footprint.sum())}-pixel footprint"
        return rendered

    def _attempt(self, clock: StageClock, image: np.ndarray, graph: SceneGraph,
                 planning: PlanResult, feedback: str | None, fresh: int) -> Attempt:
        return self._render_attempt(clock, image, graph, Attempt(planning.plan, planning,
                                                                 feedback), fresh)

    def _render_attempt(self, clock: StageClock, image: np.ndarray, graph: SceneGraph,
                        attempt: Attempt, fresh: int) -> Attempt:
        """Render ``attempt``'s plan and verify it (a planned one, or a user's pick)."""
        plan = attempt.plan
        if not plan.edits:
            attempt.note = f"unresolved: {plan.unresolved}"
            return attempt
        try:
            attempt.rendered = rendered = self._render(clock, image, graph, plan)
        except WorkflowError as exc:  # a brick failed: that is feedback for the re-plan too
            attempt.verification = render_failure(f"rendering failed: {exc}")
            return attempt
        with clock.stage("verify") as note:
            outputs = rendered.run.outputs
            attempt.update = update_graph(
                self.perceiver, graph, rendered.image, rendered.footprint,
                new_masks={k[5:]: v for k, v in outputs.items() if k.startswith("mask_")},
                removed=[e.target for e in plan.edits if isinstance(e, RemoveEdit)],
                first_fresh=fresh)
            attempt.verification = v = verify_render(
                plan, graph, attempt.update.graph, image_before=image,
                image_after=rendered.image, outputs=outputs)
            note["done"] = "ok" if v.ok else f"FAILED: {'; '.join(c.message for c in v.failures)}"
        return attempt

    def _replan(self, clock: StageClock, image: np.ndarray, graph: SceneGraph, instruction: str,
                cons: Constraints, feedback: str | None, failed: Attempt, fresh: int) -> Attempt:
        # the user's constraints still hold; the failure itself is explained, not forbidden
        why = failed.verification.as_feedback(failed.plan)
        combined = f"{feedback}\n{why}" if feedback else why
        planning = self._plan(clock, graph, instruction, cons, combined, failed.plan)
        if planning.plan.edits == failed.plan.edits:
            return Attempt(planning.plan, planning, combined,
                           note="the re-plan repeated the failed plan; not rendered again")
        return self._attempt(clock, image, graph, planning, combined, fresh)
