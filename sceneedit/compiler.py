"""Plan -> workflow. Deterministic: the same plan, graph and seed give the same workflow JSON.

Each op's compiler (declared with ``@op`` in ``sceneedit.ops``) appends brick calls to a shared
builder; several edits chain into one DAG (each edit works on the image the previous one
produced). Every edit also yields its
*footprint*: the pixels it may change, i.e. the masks it touches (old and new places) grown by
``FOOTPRINT_MARGIN`` pixels for blending. The workflow's ``footprint`` output is the union over
edits; the executor restores every pixel outside it from the input, byte for byte.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .diffusion.choice import choose_bricks
from .errors import ValidationError
from .ops import OP_REGISTRY
from .ops.builder import FOOTPRINT_MARGIN, Builder
from .plan import Plan
from .render_config import RenderConfig
from .scene.model import SceneGraph
from .workflow.model import Ref, Workflow

def _compiler(e: Any) -> Callable[[Builder, Any, int], list[Ref]]:
    return OP_REGISTRY.of(e).compile


def _batch_key(b: Builder, e: Any) -> tuple | None:
    """Edits with the same key, one after another, share one diffusion call (their crop windows
    go through the pipeline as one batch); None: never batched (the op declares no
    ``batching``). The op's name leads the key, so two ops never share a pass."""
    batching = OP_REGISTRY.of(e).batching
    key = batching.key(b, e) if batching is not None else None
    return None if key is None else (e.op, *key)


def _batches(b: Builder, edits: list[Any]) -> list[list[int]]:
    """Indices of the plan's edits in compile order, grouped into batches (generative only)."""
    groups: list[list[int]] = []
    for i, e in enumerate(edits):
        key = _batch_key(b, e) if b.generative else None
        prev = groups[-1] if groups else None
        if key is not None and prev and _batch_key(b, edits[prev[0]]) == key \
                and all(edits[j].target != e.target for j in prev):
            prev.append(i)
        else:
            groups.append([i])
    return groups


def _compile_batch(b: Builder, edits: list[Any], seeds: list[int]) -> list[list[Ref]]:
    """The classical part of each edit, then one generative pass over the union of their masks
    (coarse-to-fine for the whole batch)."""
    config, b.config = b.config, None
    try:
        touched = [_compiler(e)(b, e, s) for e, s in zip(edits, seeds)]
    finally:
        b.config = config
    union = b.union(*(t[0] for t in touched))
    batching = OP_REGISTRY.of(edits[0]).batching
    assert batching is not None   # only edits with a batching key are grouped
    b.image = b.ref(batching.generate(b, edits, seeds, union), "image")
    return touched


def _describe(i: int, edit: Any) -> str:
    return f"edit {i}: {edit.op} " + " ".join(f"{k}={v}" for k, v in
                                              edit.model_dump(by_alias=True).items() if k != "op")


def check_substitutes(substitutes: dict[str, str]) -> None:
    """Each replacement is a registered brick that declares every input and output of the
    brick it replaces, with the same types (extra inputs need defaults): a drop-in."""
    from .bricks import REGISTRY

    for name, replacement in substitutes.items():
        where = f"render.substitutes.{name}"
        original, new = REGISTRY.get(name, where), REGISTRY.get(replacement, where)
        problems = [f"input {p.name!r} ({p.type.value})" for p in original.inputs
                    if (q := next((q for q in new.inputs if q.name == p.name), None)) is None
                    or q.type is not p.type]
        problems += [f"output {p.name!r} ({p.type.value})" for p in original.outputs
                     if (q := new.output(p.name)) is None or q.type is not p.type]
        extra = {p.name for p in original.inputs}
        problems += [f"a default for its extra input {p.name!r}" for p in new.inputs
                     if p.name not in extra and p.required]
        if problems:
            raise ValidationError(where, f"brick {replacement!r} cannot replace {name!r}: it "
                                  f"needs {', '.join(problems)}")


def compile_plan(plan: Plan, graph: SceneGraph | None = None, *, seed: int = 0,
                 inpaint_method: str = "auto", config: RenderConfig | None = None,
                 check_weights: bool = True) -> Workflow:
    """Compile a validated plan into one workflow over the run inputs ``image`` and ``graph``.

    ``config`` (default: classical bricks with ``seed`` and ``inpaint_method``) chooses
    classical or generative bricks (``diffusion.choice.choose_bricks``; ``check_weights=False``
    records a generative choice without looking for the weights) and drop-in replacements for
    any brick (``config.substitutes``, checked by ``check_substitutes``). The workflow's ``bricks``
    key records the choice. Outputs: ``image``; ``footprint`` (union of all edits'
    footprints); ``footprint_<i>`` per edit; ``mask_<id>`` for every object whose mask an edit
    changed (new place, new object).
    """
    config = config or RenderConfig(seed=seed, inpaint_method=inpaint_method)
    graph = plan.validate_against(graph)
    choice = choose_bricks(config, check_weights=check_weights)
    check_substitutes(config.substitutes)
    b = Builder(graph=graph, seed=config.seed, inpaint_method=config.inpaint_method,
                 config=config if choice.used == "generative" else None, render=config,
                 substitutes=dict(config.substitutes))
    outputs: dict[str, Ref] = {}
    footprints: list[Ref] = []
    for batch in _batches(b, plan.edits):
        edits = [plan.edits[i] for i in batch]
        seeds = [config.seed + i for i in batch]
        b.note = "; ".join(_describe(i, plan.edits[i]) for i in batch)
        b.where = f"edits.{batch[0]}"
        if len(batch) == 1:
            touched_each = [_compiler(edits[0])(b, edits[0], seeds[0])]
        else:
            touched_each = _compile_batch(b, edits, seeds)
        for i, touched in zip(batch, touched_each):
            margin = OP_REGISTRY.of(plan.edits[i]).footprint_margin
            margin = FOOTPRINT_MARGIN if margin is None else margin
            fp = b.grow(b.union(*touched), margin) if margin else b.union(*touched)
            outputs[f"footprint_{i}"] = fp
            footprints.append(fp)
    b.note = "footprint of the whole plan"
    if footprints:  # a plan without edits changes no pixel and needs no footprint
        outputs["footprint"] = b.union(*footprints)
    outputs["image"] = b.image
    for oid, ref in b.masks.items():
        if ref not in b.segmented:
            outputs[f"mask_{oid}"] = ref
    return Workflow(inputs={"image": "Image", "graph": "Graph"}, nodes=b.nodes,
                    outputs=dict(sorted(outputs.items())), bricks=choice.model_dump())
