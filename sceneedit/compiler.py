"""Plan -> workflow. Deterministic: the same plan, graph and seed give the same workflow JSON.

One small function per op appends brick calls to a shared builder; several edits chain into one
DAG (each edit works on the image the previous one produced). Every edit also yields its
*footprint*: the pixels it may change, i.e. the masks it touches (old and new places) grown by
``FOOTPRINT_MARGIN`` pixels for blending. The workflow's ``footprint`` output is the union over
edits; the executor restores every pixel outside it from the input, byte for byte.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .diffusion.choice import choose_bricks
from .imageops.restyle import resolve_style
from .errors import ValidationError
from .plan import (AddEdit, MoveEdit, Plan, RecolorEdit, RemoveEdit, ReplaceEdit, ResizeEdit,
                   RestyleEdit, SwapEdit)
from .render_config import RenderConfig
from .scene.model import SceneGraph
from .workflow.model import Node, Ref, Workflow

# Pixels around a touched mask that an edit may change: anti-aliased edges of drawn or pasted
# objects and inpainting's blend zone. Small enough that "outside the edit" means what it says.
FOOTPRINT_MARGIN = 4
# The region handed to inpainting is the object's mask grown by this much, so the object's own
# anti-aliased rim does not bleed back into the fill.
INPAINT_GROW = 2
IMAGE_IN, GRAPH_IN = Ref(ref="input.image"), Ref(ref="input.graph")


@dataclass
class _Builder:
    graph: SceneGraph
    seed: int
    inpaint_method: str
    config: RenderConfig | None = None  # set: generative bricks (its sampling settings)
    nodes: list[Node] = field(default_factory=list)
    image: Ref = IMAGE_IN
    masks: dict[str, Ref] = field(default_factory=dict)     # current mask of each object
    boxes: dict[str, Any] = field(default_factory=dict)     # current box: literal or Ref
    segmented: set[Ref] = field(default_factory=set)         # masks read from the graph as is
    note: str = ""
    substitutes: dict[str, str] = field(default_factory=dict)  # RenderConfig.substitutes

    def add(self, brick: str, **inputs: Any) -> str:
        brick = self.substitutes.get(brick, brick)
        node_id = f"n{len(self.nodes) + 1}"
        self.nodes.append(Node(id=node_id, brick=brick, note=self.note,
                               inputs={k: v.model_dump() if isinstance(v, Ref) else v
                                       for k, v in inputs.items()}))
        return node_id

    @staticmethod
    def ref(node_id: str, port: str) -> Ref:
        return Ref(ref=f"{node_id}.{port}")

    def mask(self, oid: str) -> Ref:
        if oid not in self.masks:
            n = self.add("segment_object", graph=GRAPH_IN, id=oid)
            self.masks[oid] = self.ref(n, "mask")
            self.segmented.add(self.masks[oid])
        return self.masks[oid]

    def box(self, oid: str) -> Any:
        return self.boxes.get(oid, [float(v) for v in self.graph.get(oid).box])

    def size(self, oid: str) -> tuple[float, float]:
        x0, y0, x1, y1 = self.graph.get(oid).box
        return float(x1 - x0), float(y1 - y0)

    def union(self, *masks: Ref) -> Ref:
        out = masks[0]
        for m in masks[1:]:
            out = self.ref(self.add("mask_union", a=out, b=m), "mask")
        return out

    def grow(self, mask: Ref, radius: int) -> Ref:
        return self.ref(self.add("mask_dilate", mask=mask, radius=radius), "mask")

    @property
    def generative(self) -> bool:
        return self.config is not None

    def gen(self, brick: str, seed: int, refine: bool, **inputs: Any) -> str:
        """A generative brick call: ``refine`` denoises the input partially (coarse-to-fine,
        the config's strength), otherwise the region is generated from noise."""
        c = self.config
        assert c is not None
        return self.add(brick, **inputs, model=c.model, seed=seed, steps=c.steps,
                        strength=c.strength if refine else 1.0, guidance=c.guidance,
                        resolution=c.resolution)

    def fill(self, mask: Ref, seed: int = 0, removed: str = "-", refine: bool = True) -> Ref:
        """Inpaint ``mask`` (grown) in the current image; returns the new image ref. With
        generative bricks a diffusion pass refines the classical fill (coarse-to-fine)."""
        grown = self.grow(mask, INPAINT_GROW)
        n = self.add("inpaint", image=self.image, mask=grown, method=self.inpaint_method)
        if self.generative and refine:
            n = self.gen("gen_inpaint", seed, True, image=self.ref(n, "image"), mask=grown,
                         removed=removed)
        return self.ref(n, "image")

    def label(self, oid: str) -> str:
        return self.graph.get(oid).label

    def paste(self, onto: Ref, source_mask: Ref, box: Any, fit: str = "fit") -> tuple[Ref, Ref]:
        n = self.add("paste_object", image=onto, source=self.image, source_mask=source_mask,
                     box=box, fit=fit)
        return self.ref(n, "image"), self.ref(n, "mask")

    def draw(self, onto: Ref, what: str, box: Any, seed: int) -> tuple[Ref, Ref]:
        n = self.add("draw_object", image=onto, what=what, box=box, seed=seed)
        return self.ref(n, "image"), self.ref(n, "mask")


def _remove(b: _Builder, e: RemoveEdit, seed: int) -> list[Ref]:
    m = b.mask(e.target)
    b.image = b.fill(m, seed, b.label(e.target))
    b.masks.pop(e.target)
    return [m]


def _replace(b: _Builder, e: ReplaceEdit, seed: int) -> list[Ref]:
    m, box = b.mask(e.target), b.box(e.target)
    # a generated replacement covers the whole box: the classical fill only clears the rim
    background = b.fill(m, seed, b.label(e.target), refine=e.source is not None)
    if e.source is not None:
        new_image, new_mask = b.paste(background, b.mask(e.source), box)
    elif b.generative:
        region = b.ref(b.add("box_to_mask", box=box, image=background), "mask")
        n = b.gen("gen_replace", seed, False, image=background, mask=region, what=e.with_)
        new_image, new_mask = b.ref(n, "image"), b.ref(n, "mask")
    else:
        new_image, new_mask = b.draw(background, e.with_, box, seed)
    b.image, b.masks[e.target] = new_image, new_mask
    return [m, new_mask]


def _recolor(b: _Builder, e: RecolorEdit, seed: int) -> list[Ref]:
    m = b.mask(e.target)
    b.image = b.ref(b.add("recolor", image=b.image, mask=m, color=e.color), "image")
    if b.generative:  # coarse-to-fine: the classical colour, then a partial denoise
        b.image = b.ref(b.gen("gen_recolor", seed, True, image=b.image, mask=m,
                              label=b.label(e.target), color=e.color), "image")
    return [m]


def _classical_style(style: str) -> bool:
    try:
        resolve_style(style)
        return True
    except ValidationError:
        return False


def _restyle(b: _Builder, e: RestyleEdit, seed: int) -> list[Ref]:
    m = b.mask(e.target)
    # the classical painter knows a few materials; diffusion takes any description and refines
    # the classical texture where there is one
    if not b.generative or _classical_style(e.style):
        b.image = b.ref(b.add("restyle", image=b.image, mask=m, style=e.style, seed=seed),
                        "image")
    if b.generative:
        b.image = b.ref(b.gen("gen_restyle", seed, True, image=b.image, mask=m,
                              label=b.label(e.target), style=e.style), "image")
    return [m]


def _add(b: _Builder, e: AddEdit, seed: int) -> list[Ref]:
    w, h = b.size(e.anchor)  # a new object is sized like its anchor (documented default)
    n = b.add("place_object", graph=GRAPH_IN, anchor=e.anchor, relation=e.relation,
              width=w, height=h)
    if b.generative:
        g = b.gen("gen_add", seed, False, image=b.image, box=b.ref(n, "box"), what=e.what)
        b.image, new_mask = b.ref(g, "image"), b.ref(g, "mask")
    else:
        b.image, new_mask = b.draw(b.image, e.what, b.ref(n, "box"), seed)
    return [new_mask]


def _move(b: _Builder, e: MoveEdit, seed: int) -> list[Ref]:
    m = b.mask(e.target)
    w, h = b.size(e.target)
    n = b.add("place_object", graph=GRAPH_IN, anchor=e.anchor, relation=e.relation,
              width=w, height=h, ignore=e.target)
    new_box = b.ref(n, "box")
    b.image, new_mask = b.paste(b.fill(m, seed, b.label(e.target)), m, new_box)
    b.masks[e.target], b.boxes[e.target] = new_mask, new_box
    return [m, new_mask]


def _resize(b: _Builder, e: ResizeEdit, seed: int) -> list[Ref]:
    m = b.mask(e.target)
    x0, y0, x1, y1 = b.graph.get(e.target).box
    w, h = (x1 - x0) * e.scale, (y1 - y0) * e.scale
    cx = (x0 + x1) / 2  # the bottom edge stays put: objects keep standing where they stood
    W = b.graph.image.width
    new_box = [max(0.0, cx - w / 2), max(0.0, y1 - h), min(float(W), cx + w / 2), float(y1)]
    b.image, new_mask = b.paste(b.fill(m, seed, b.label(e.target)), m, new_box)
    b.masks[e.target], b.boxes[e.target] = new_mask, new_box
    return [m, new_mask]


def _swap(b: _Builder, e: SwapEdit, seed: int) -> list[Ref]:
    ma, mb = b.mask(e.target), b.mask(e.other)
    box_a, box_b = b.box(e.target), b.box(e.other)
    both = b.union(ma, mb)
    onto = b.fill(both, seed, f"{b.label(e.target)}, {b.label(e.other)}")
    # each keeps its own size, standing where the other stood
    onto, new_a = b.paste(onto, ma, box_b, fit="keep")
    onto, new_b = b.paste(onto, mb, box_a, fit="keep")
    b.image = onto
    b.masks[e.target], b.masks[e.other] = new_a, new_b
    b.boxes[e.target], b.boxes[e.other] = box_b, box_a
    return [both, new_a, new_b]


OP_COMPILERS: dict[type, Callable[[_Builder, Any, int], list[Ref]]] = {
    RemoveEdit: _remove, ReplaceEdit: _replace, RecolorEdit: _recolor, RestyleEdit: _restyle,
    AddEdit: _add, MoveEdit: _move, ResizeEdit: _resize, SwapEdit: _swap,
}


def _batch_key(b: _Builder, e: Any) -> tuple | None:
    """Edits with the same key, one after another, share one diffusion call (their crop windows
    go through the pipeline as one batch); None: never batched."""
    if isinstance(e, RemoveEdit):
        return ("remove",)
    if isinstance(e, RecolorEdit):
        return ("recolor", e.color, b.label(e.target))
    if isinstance(e, RestyleEdit) and _classical_style(e.style):
        return ("restyle", e.style, b.label(e.target))
    return None


def _batches(b: _Builder, edits: list[Any]) -> list[list[int]]:
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


def _compile_batch(b: _Builder, edits: list[Any], seeds: list[int]) -> list[list[Ref]]:
    """The classical part of each edit, then one generative pass over the union of their masks
    (coarse-to-fine for the whole batch)."""
    config, b.config = b.config, None
    try:
        touched = [OP_COMPILERS[type(e)](b, e, s) for e, s in zip(edits, seeds)]
    finally:
        b.config = config
    union = b.union(*(t[0] for t in touched))
    first = edits[0]
    if isinstance(first, RemoveEdit):
        labels = ", ".join(dict.fromkeys(b.label(e.target) for e in edits))
        n = b.gen("gen_inpaint", seeds[0], True, image=b.image, mask=b.grow(union, INPAINT_GROW),
                  removed=labels)
    elif isinstance(first, RecolorEdit):
        n = b.gen("gen_recolor", seeds[0], True, image=b.image, mask=union,
                  label=b.label(first.target), color=first.color)
    else:
        n = b.gen("gen_restyle", seeds[0], True, image=b.image, mask=union,
                  label=b.label(first.target), style=first.style)
    b.image = b.ref(n, "image")
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
    b = _Builder(graph=graph, seed=config.seed, inpaint_method=config.inpaint_method,
                 config=config if choice.used == "generative" else None,
                 substitutes=dict(config.substitutes))
    outputs: dict[str, Ref] = {}
    footprints: list[Ref] = []
    for batch in _batches(b, plan.edits):
        edits = [plan.edits[i] for i in batch]
        seeds = [config.seed + i for i in batch]
        b.note = "; ".join(_describe(i, plan.edits[i]) for i in batch)
        if len(batch) == 1:
            touched_each = [OP_COMPILERS[type(edits[0])](b, edits[0], seeds[0])]
        else:
            touched_each = _compile_batch(b, edits, seeds)
        for i, touched in zip(batch, touched_each):
            fp = b.grow(b.union(*touched), FOOTPRINT_MARGIN)
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
