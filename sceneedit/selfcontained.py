"""Self-contained plans: plan on one machine, render on another.

A self-contained plan is an ordinary ``sceneedit.plan/1`` document with optional keys
(INTERCHANGE.md allows them): ``graph`` (with masks), ``image_sha256`` (of the decoded pixels,
``sceneedit.io.image_sha256``), ``image_name``, ``render`` (the ``RenderConfig``: bricks, model,
seed, sampling settings) and ``workflow`` (the compiled workflow). Rendering it executes that
workflow as written, so another machine, or a later sceneedit version, reproduces the result;
an image whose hash differs is refused. Where the render runs (device, dtype, local weights)
is the renderer's business (``DiffusionRuntime``).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .compiler import compile_plan
from .diffusion.choice import GenerativeFallbackWarning
from .diffusion.runtime import DiffusionRuntime, current_runtime
from .diffusion.weights import unavailable_reason
from .errors import InvalidInputError, MissingWeightsError, SceneEditError, ValidationError
from .io import check_image_array, image_sha256
from .plan import Plan
from .render import Rendered, execute, plan_graph
from .render_config import RenderConfig
from .scene.model import SceneGraph
from .workflow.executor import Executor, ProgressFn
from .workflow.model import Workflow

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")


def seal_plan(plan: Plan, image: np.ndarray, graph: SceneGraph | None = None,
              config: RenderConfig | None = None, image_name: str | None = None) -> Plan:
    """A copy of ``plan`` that carries everything needed to render it on ``image``.

    Generative choices are recorded without looking for weights: the planning machine need not
    have them; the rendering machine checks."""
    image = check_image_array(image)
    graph = plan_graph(plan, image, graph)
    config = config or RenderConfig()
    workflow = compile_plan(plan, graph, config=config, check_weights=False)
    data = {**plan.to_dict(), "graph": graph.to_dict(), "image_sha256": image_sha256(image),
            "render": config.model_dump(), "workflow": workflow.to_dict()}
    if image_name:
        data["image_name"] = image_name
    return Plan.from_dict(data)


@dataclass(frozen=True)
class Carried:
    """What a self-contained plan carries (each part may be absent in an ordinary plan)."""
    sha256: str | None
    image_name: str | None
    config: RenderConfig | None
    workflow: Workflow | None

    @classmethod
    def of(cls, plan: Plan) -> "Carried":
        extra: dict[str, Any] = plan.model_extra or {}
        config = extra.get("render")
        workflow = extra.get("workflow")
        return cls(sha256=extra.get("image_sha256"), image_name=extra.get("image_name"),
                   config=RenderConfig.parse(config, "plan.render") if config is not None
                   else None,
                   workflow=Workflow.from_dict(workflow) if workflow is not None else None)


def check_image(plan: Plan, image: np.ndarray, where: str = "image") -> None:
    """Refuse an image other than the one the plan was made for."""
    expected = Carried.of(plan).sha256
    if expected is None:
        return
    got = image_sha256(image)
    if got != expected:
        made_for = Carried.of(plan).image_name
        raise InvalidInputError(
            f"{where} is not the image this plan was made for: its pixels hash to sha256 "
            f"{got[:16]}..., the plan expects {expected[:16]}..."
            + (f" ({made_for})" if made_for else "") + "; render the plan on that image")


def _uses_generative(workflow: Workflow) -> bool:
    from .bricks.generative import uses_generative

    return uses_generative(n.brick for n in workflow.nodes)


def check_generative_models(workflow: Workflow, model: str) -> None:
    """Refuse a carried workflow whose generative node names a model other than the plan's
    ``render.model``: that is the one whose weights are checked (or replaced by ``--weights``),
    and a node's own ``model`` would otherwise load any folder the document names."""
    from .bricks.generative import GENERATIVE_BRICKS

    for i, node in enumerate(workflow.nodes):
        if node.brick in GENERATIVE_BRICKS and "model" in node.inputs \
                and node.inputs["model"] != model:
            raise ValidationError(f"workflow.nodes.{i}.inputs.model",
                                  f"node {node.id!r} names model {node.inputs['model']!r}, not "
                                  f"the plan's render.model {model!r}; a carried workflow may "
                                  "only use the render model")


def render_workflow_for(plan: Plan, graph: SceneGraph, overrides: dict[str, Any] | None = None,
                        runtime: DiffusionRuntime | None = None) -> Workflow:
    """The workflow to execute: the carried one as written, or a fresh compile when the plan
    carries none or ``overrides`` change its render settings. A carried generative workflow
    whose weights are missing here falls back to classical bricks (with a warning) only when
    the plan asked for ``auto``."""
    carried = Carried.of(plan)
    base = carried.config or RenderConfig()
    config = base.updated(overrides)
    if carried.workflow is None or config != base:
        return compile_plan(plan, graph, config=config)
    workflow = carried.workflow
    if _uses_generative(workflow):
        check_generative_models(workflow, config.model)
        runtime = runtime or current_runtime()
        problem = unavailable_reason(runtime.model_path or config.model)
        if problem is not None:
            if config.bricks != "auto":
                raise MissingWeightsError(problem)
            warnings.warn(f"generative bricks unavailable, rendering with classical bricks: "
                          f"{problem}", GenerativeFallbackWarning, stacklevel=2)
            return compile_plan(plan, graph, config=config.updated({"bricks": "classical"}))
    return workflow


def render_selfcontained(plan: Plan, image: np.ndarray, graph: SceneGraph | None = None, *,
                         overrides: dict[str, Any] | None = None,
                         runtime: DiffusionRuntime | None = None,
                         executor: Executor | None = None,
                         progress: ProgressFn | None = None) -> Rendered:
    """Render a (self-contained or ordinary) plan: check the image hash, then execute the
    carried workflow (or compile one from the carried settings and ``overrides``)."""
    image = check_image_array(image)
    check_image(plan, image)
    graph = plan_graph(plan, image, graph)
    workflow = render_workflow_for(plan, graph, overrides, runtime)
    return execute(workflow, image, graph, executor=executor, progress=progress, runtime=runtime)


@dataclass
class FolderItem:
    plan: str
    image: str | None = None
    output: str | None = None
    error: str | None = None
    error_class: str | None = None
    changed_pixels: int = 0
    seconds: float = 0.0


def _image_index(images_dir: Path) -> Callable[[str], Path | None]:
    """Find an image by sha256, decoding each file of the folder at most once."""
    from .io import load_image
    from .outputs import contained

    def inside(p: Path) -> bool:  # a link leading out of the folder is not read
        try:
            return contained(images_dir, p.name, p.name) is not None
        except InvalidInputError:
            return False

    files = sorted(p for p in images_dir.iterdir()
                   if p.suffix.lower() in IMAGE_SUFFIXES and inside(p))
    known: dict[str, Path] = {}
    pending = iter(files)

    def find(sha: str) -> Path | None:
        if sha in known:
            return known[sha]
        for path in pending:
            try:
                known.setdefault(image_sha256(load_image(path)), path)
            except InvalidInputError:
                continue
            if sha in known:
                return known[sha]
        return None

    return find


def render_folder(plans_dir: str | Path, images_dir: str | Path, out_dir: str | Path, *,
                  runtime: DiffusionRuntime | None = None,
                  overrides: dict[str, Any] | None = None,
                  report: Callable[[FolderItem], None] | None = None) -> list[FolderItem]:
    """Render every ``*.json`` plan of ``plans_dir`` in this process (diffusion models load
    once and are shared). Each plan's image is ``images_dir/<image_name>`` or the file whose
    pixels match its ``image_sha256``. Failures are recorded per plan, never fatal; the
    outputs are ``out_dir/<plan name>.png`` and ``out_dir/render-summary.json``."""
    import json
    import time

    from .io import load_image, save_image, write_text_atomic
    from .outputs import contained

    plans_dir, images_dir, out_dir = Path(plans_dir), Path(images_dir), Path(out_dir)
    for d, what in ((plans_dir, "plans"), (images_dir, "images")):
        if not d.is_dir():
            raise InvalidInputError(f"{what} folder not found: {d}")
    if out_dir.is_dir() and out_dir.resolve() == images_dir.resolve():
        raise InvalidInputError(f"the output folder {out_dir} is the images folder: the outputs "
                                "(<plan name>.png) could replace its images; write elsewhere")
    find = _image_index(images_dir)
    items: list[FolderItem] = []
    executor = Executor(visuals=False)
    for plan_path in sorted(plans_dir.glob("*.json")):
        item = FolderItem(plan=plan_path.name)
        t0 = time.perf_counter()
        try:
            plan = Plan.load(plan_path)
            carried = Carried.of(plan)
            image_path = contained(images_dir, carried.image_name, "image_name") \
                if carried.image_name is not None else None
            if (image_path is None or not image_path.is_file()) and carried.sha256:
                image_path = find(carried.sha256)
            if image_path is None or not image_path.is_file():
                raise InvalidInputError(f"no image in {images_dir} for this plan (image_name "
                                        f"{carried.image_name!r}, sha256 {carried.sha256!r})")
            item.image = image_path.name
            image = load_image(image_path)
            out = render_selfcontained(plan, image, overrides=overrides, runtime=runtime,
                                       executor=executor)
            target = out_dir / f"{plan_path.stem}.png"
            save_image(target, out.image)
            item.output = target.name
            item.changed_pixels = int((out.image != image).any(axis=2).sum())
        except SceneEditError as exc:
            item.error, item.error_class = str(exc), type(exc).__name__
        except RecursionError:  # one pathological document must not end the folder's run
            item.error = "the plan is nested too deeply to read (not a plan document)"
            item.error_class = "InvalidInputError"
        except OSError as exc:
            from .outputs import describe_os_error

            item.error, item.error_class = describe_os_error(exc), "OSError"
        item.seconds = round(time.perf_counter() - t0, 3)
        items.append(item)
        if report:
            report(item)
    write_text_atomic(out_dir / "render-summary.json",
                      json.dumps([item.__dict__ for item in items], indent=2) + "\n")
    return items
