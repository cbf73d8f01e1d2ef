"""The compiler's workbench: the ``Builder`` every op's compiler appends brick calls to.

Several edits chain into one DAG: the builder tracks the current image, each object's current
mask and box, and the render settings (classical, or generative with sampling settings).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..render_config import RenderConfig
from ..scene.model import SceneGraph
from ..workflow.model import Node, Ref

# Pixels around a touched mask that an edit may change: anti-aliased edges of drawn or pasted
# objects and inpainting's blend zone. Small enough that "outside the edit" means what it says.
FOOTPRINT_MARGIN = 4
# The region handed to inpainting is the object's mask grown by this much, so the object's own
# anti-aliased rim does not bleed back into the fill.
INPAINT_GROW = 2
IMAGE_IN, GRAPH_IN = Ref(ref="input.image"), Ref(ref="input.graph")


@dataclass
class Builder:
    graph: SceneGraph
    seed: int
    inpaint_method: str
    config: RenderConfig | None = None  # set: generative bricks (its sampling settings)
    render: RenderConfig | None = None  # the whole render config, classical or not
    nodes: list[Node] = field(default_factory=list)
    image: Ref = IMAGE_IN
    masks: dict[str, Ref] = field(default_factory=dict)     # current mask of each object
    boxes: dict[str, Any] = field(default_factory=dict)     # current box: literal or Ref
    segmented: set[Ref] = field(default_factory=set)         # masks read from the graph as is
    note: str = ""
    where: str = "edits"                  # the edit being compiled ("edits.2"), for errors
    removed: set[str] = field(default_factory=set)          # objects an edit removed
    added: list[Ref] = field(default_factory=list)          # masks of new objects (no id yet)
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

    def present(self) -> list[Ref]:
        """The current mask of every object in the image: the graph's objects no edit removed
        (where earlier edits put them) and the objects edits added."""
        return [self.mask(o.id) for o in self.graph.objects if o.id not in self.removed] + \
            list(self.added)

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

    def relocate(self, oid: str, mask: Ref, box: Any, seed: int) -> Ref:
        """Fill ``oid``'s old place and paste it into ``box`` (move, resize); its new mask."""
        self.image, new_mask = self.paste(self.fill(mask, seed, self.label(oid)), mask, box)
        self.masks[oid], self.boxes[oid] = new_mask, box
        return new_mask

    def draw(self, onto: Ref, what: str, box: Any, seed: int) -> tuple[Ref, Ref]:
        n = self.add("draw_object", image=onto, what=what, box=box, seed=seed)
        return self.ref(n, "image"), self.ref(n, "mask")
