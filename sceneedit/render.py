"""One call from a plan to an edited image: validate, compile, execute, preserve."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .compiler import compile_plan
from .diffusion.choice import PlaceholderWarning, gate_placeholders
from .diffusion.runtime import DiffusionRuntime, using_runtime
from .errors import ValidationError
from .io import check_image_array
from .plan import Plan
from .render_config import RenderConfig
from .scene.model import SceneGraph
from .workflow.executor import Executor, ProgressFn, RunResult
from .workflow.model import Workflow


@dataclass
class Rendered:
    image: np.ndarray
    footprint: np.ndarray          # pixels the plan was allowed to change
    workflow: Workflow
    run: RunResult                 # outputs and the per-step trace

    @property
    def trace(self):
        return self.run.trace


def plan_graph(plan: Plan, image: np.ndarray, graph: SceneGraph | None) -> SceneGraph:
    """The graph to render with (``graph``, else the plan's own), checked against ``image``."""
    graph = graph or plan.graph
    if graph is None:
        raise ValidationError("graph", "no scene graph: pass one or use a plan that carries one")
    graph.check_matches(image)
    return graph


def _placeholder_note(workflow: Workflow, image: np.ndarray) -> str | None:
    """``diffusion.choice.gate_placeholders`` for this image (refuses, or the note to show)."""
    def in_domain() -> bool:
        from .perception.domain import domain_score

        return domain_score(image).in_domain

    return gate_placeholders(workflow, in_domain)


def execute(workflow: Workflow, image: np.ndarray, graph: SceneGraph, *,
            executor: Executor | None = None, progress: ProgressFn | None = None,
            runtime: DiffusionRuntime | None = None) -> Rendered:
    """Run a compiled workflow on ``image``; generative bricks run on ``runtime``. Classical
    placeholder content on an image outside the synthetic domain is refused unless the
    workflow's brick choice allows it; then the trace carries a warning (also issued as a
    ``PlaceholderWarning``)."""
    note = _placeholder_note(workflow, image)
    with using_runtime(runtime):
        run = (executor or Executor()).run(workflow, {"image": image, "graph": graph},
                                           progress=progress)
    if note is not None:
        run.trace.warnings.append(note)
        warnings.warn(note, PlaceholderWarning, stacklevel=2)
    h, w = image.shape[:2]
    footprint = run.footprint if run.footprint is not None else np.zeros((h, w), bool)
    return Rendered(run.image, footprint, workflow, run)


def render_plan(plan: Plan, image: np.ndarray, graph: SceneGraph | None = None, *,
                seed: int = 0, inpaint_method: str = "auto", executor: Executor | None = None,
                progress: ProgressFn | None = None, config: RenderConfig | None = None,
                runtime: DiffusionRuntime | None = None) -> Rendered:
    """Render ``plan`` on ``image``; the graph is ``graph``, else the plan's own.

    ``config`` chooses the bricks and their settings (default: classical, with ``seed`` and
    ``inpaint_method``); ``runtime`` says where generative bricks run (default: the CPU).
    """
    image = check_image_array(image)
    graph = plan_graph(plan, image, graph)
    workflow = compile_plan(plan, graph, seed=seed, inpaint_method=inpaint_method, config=config)
    return execute(workflow, image, graph, executor=executor, progress=progress, runtime=runtime)
