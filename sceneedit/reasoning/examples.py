"""Worked examples shown to the planner (few-shot). Each is checked against the edit models by
the tests, so an example can never teach an edit the validator would reject."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..scene.model import SceneGraph

# A small desk scene, distinct from every benchmark scene.
DESK = SceneGraph.from_dict({
    "format": "sceneedit.scene-graph/1",
    "image": {"width": 640, "height": 480},
    "objects": [
        {"id": "o1", "label": "desk", "box": [20, 300, 620, 470], "attributes": {"color": "brown"}},
        {"id": "o2", "label": "laptop", "box": [250, 190, 420, 300], "attributes": {"color": "gray"}},
        {"id": "o3", "label": "mug", "box": [170, 240, 220, 300], "attributes": {"color": "white"}},
        {"id": "o4", "label": "mug", "box": [470, 245, 515, 300], "attributes": {"color": "red"}},
        {"id": "o5", "label": "pen", "box": [440, 285, 500, 298], "attributes": {"color": "blue"}},
        {"id": "o6", "label": "plant", "box": [40, 170, 130, 300], "attributes": {"color": "green"}},
        {"id": "o7", "label": "desk lamp", "box": [540, 120, 610, 300],
         "attributes": {"color": "black"}},
    ],
})


@dataclass(frozen=True)
class Example:
    instruction: str
    reasoning: str
    edits: list[dict] = field(default_factory=list)
    unresolved: str | None = None
    missing: list[str] = field(default_factory=list)
    graph: SceneGraph = field(default_factory=lambda: DESK)  # all examples share one scene


EXAMPLES: tuple[Example, ...] = (
    Example("What here would help me see at night? Make it red.",
            "A desk lamp gives light: o7.",
            [{"op": "recolor", "target": "o7", "color": "red"}]),
    Example("Get rid of every mug.", "Two mugs: o3 and o4.",
            [{"op": "remove", "target": "o3"}, {"op": "remove", "target": "o4"}]),
    Example("Swap the thing I write with for a copy of the plant, and put a book to the right "
            "of the laptop.",
            "One writes with the pen o5; the plant is o6; the laptop is o2.",
            [{"op": "replace", "target": "o5", "source": "o6"},
             {"op": "add", "what": "book", "anchor": "o2", "relation": "right_of"}]),
    Example("Replace the mug left of the laptop with a teapot and make the plant twice as big.",
            "o3 is the mug left of the laptop o2; the plant is o6.",
            [{"op": "replace", "target": "o3", "with": "teapot"},
             {"op": "resize", "target": "o6", "scale": 2.0}]),
    Example("Remove the cat from the desk.", "There is no cat in the scene.", [],
            "no cat in the scene", ["cat"]),
)
