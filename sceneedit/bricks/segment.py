"""Bricks that read objects from the run's scene graph: segment-by-id and placement."""
from __future__ import annotations

from .placement import PLACEMENT_RELATIONS, place_box
from .registry import Port, PortType, brick

GRAPH, OID = PortType.GRAPH, PortType.OBJECT_ID


@brick("segment_object", "The mask and box of an object of the scene graph, by id (its filled "
       "box when the graph has no mask for it).",
       [Port("graph", GRAPH), Port("id", OID, "object id in the graph")],
       [Port("mask", PortType.MASK), Port("box", PortType.BOX)])
def segment_object(graph, id):  # noqa: A002 - the port is called "id" in workflows
    obj = graph.get(id)
    return {"mask": graph.mask_of(id), "box": [float(v) for v in obj.box]}


@brick("place_object", "A box for an object of size `width` x `height` placed by `relation` "
       "to the `anchor` object, inside the image and clear of other objects where possible.",
       [Port("graph", GRAPH), Port("anchor", OID), Port("relation", PortType.RELATION,
        choices=PLACEMENT_RELATIONS), Port("width", PortType.NUMBER),
        Port("height", PortType.NUMBER),
        Port("ignore", PortType.TEXT, "comma-separated ids that may be overlapped (e.g. the "
             "object being moved)", default="-")],
       [Port("box", PortType.BOX)])
def place_object(graph, anchor, relation, width, height, ignore):
    skip = {s.strip() for s in ignore.split(",")} - {"-", ""}
    return place_box(graph, anchor, relation, float(width), float(height), skip)
