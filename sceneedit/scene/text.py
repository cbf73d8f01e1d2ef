"""The compact text a language model reads: one line per object, relations grouped by subject,
bounded in length by dropping the least useful content first and saying what was left out."""
from __future__ import annotations

from collections.abc import Iterable

from .model import SceneGraph, SceneObject
from .relations import canonical, id_key, relation_key

# 3x3 grid of the image, row by row: where the object's box centre falls.
POSITIONS = (("top-left", "top", "top-right"),
             ("left", "center", "right"),
             ("bottom-left", "bottom", "bottom-right"))
# Size words by the fraction of the image an object covers (mask area, else box area).
SIZES = ((0.005, "tiny"), (0.03, "small"), (0.15, "medium"), (float("inf"), "large"))
# Attribute values longer than this (captions, embeddings serialised as text) cost more tokens
# than they help; they are left out of the text.
MAX_ATTR_CHARS = 32
# Detections below this score are flagged, so the model can doubt them.
LOW_SCORE = 0.5
# Dropped first when the text is too long, in this order: same_color_as repeats the colour each
# object line shows; near is the most numerous and least specific; larger_than is partly
# covered by the size words.
LOW_VALUE = ("same_color_as", "near", "larger_than")
ELLIPSIS = "…"
# Attributes the line already says in words (position, size) or that only add length.
IMPLIED_ATTRIBUTES = frozenset({"color", "position", "size", "area_fraction"})
# The shortest object line ("o: x at top, tiny" and its newline): at most max_chars / this many
# objects can be shown, so only that many (the first to keep) are described at all. A
# 10,000-object graph otherwise had every line built and every relation derived for a text
# that shows ~100 of them.
MIN_LINE_CHARS = 18


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _attributes(obj: SceneObject) -> list[str]:
    """Colour first (bare), then the other attributes as key=value in key order."""
    out = [obj.color] if obj.color else []
    for key in sorted(obj.attributes):
        value = obj.attributes[key]
        if key in IMPLIED_ATTRIBUTES or key.startswith("_") or len(_fmt(value)) > MAX_ATTR_CHARS:
            continue
        out.append(f"{key}={_fmt(value)}")
    return out


def grid_position(cx: float, cy: float, width: int, height: int) -> str:
    """Which cell of a 3x3 grid over the image holds the point."""
    col = min(max(int(3 * cx / width), 0), 2)
    row = min(max(int(3 * cy / height), 0), 2)
    return POSITIONS[row][col]


def size_for_fraction(fraction: float) -> str:
    """tiny / small / medium / large by the fraction of the image covered."""
    return next(word for limit, word in SIZES if fraction < limit)


def position_word(obj: SceneObject, width: int, height: int) -> str:
    return grid_position(*obj.center, width, height)


def size_word(area: float, width: int, height: int) -> str:
    return size_for_fraction(area / (width * height))


def object_line(obj: SceneObject, width: int, height: int) -> str:
    """One object as the model reads it: "o3: mug (red, state=on) at left, small"."""
    attrs = _attributes(obj)
    line = f"{obj.id}: {obj.label}" + (f" ({', '.join(attrs)})" if attrs else "")
    line += f" at {position_word(obj, width, height)}, {size_word(obj.area, width, height)}"
    if obj.depth is not None:
        line += f", depth {obj.depth:.2f}"
    if obj.score is not None and obj.score < LOW_SCORE:
        line += f", uncertain (score {obj.score:.2f})"
    return line


def relation_lines(rels: Iterable[tuple[str, str, str]]) -> list[str]:
    """``o4 left_of o5, o6``: one line per (subject, predicate), in the relations' order."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s, p, o in rels:
        groups.setdefault((s, p), []).append(o)
    return [f"{s} {p} {', '.join(objs)}" for (s, p), objs in groups.items()]


def graph_to_text(graph: SceneGraph, max_chars: int = 4000) -> str:
    """Describe ``graph`` in at most ``max_chars`` characters. Deterministic. When the full text
    is too long, low-value relations go first (see ``LOW_VALUE``), then the lowest-scoring
    objects with their relations; every omission is stated in the text."""
    w, h = graph.image.width, graph.image.height
    total = len(graph.objects)
    # Keep-first order when objects must go: confident, then large, then by id. Objects without
    # a score were placed by a person or an edit, so they count as certain.
    ranked = sorted(graph.objects, key=lambda o: (-(1.0 if o.score is None else o.score),
                                                  -o.area, id_key(o.id)))
    cap = max_chars // MIN_LINE_CHARS + 1
    if total > cap:  # the rest could not be shown: their lines and relations are not needed
        ranked = ranked[:cap]
        graph = _subgraph(graph, ranked)
    objs = sorted(ranked, key=lambda o: id_key(o.id))
    lines = {o.id: object_line(o, w, h) for o in objs}
    rels = sorted({canonical(r) for r in graph.all_relations()}, key=relation_key)

    def build(kept: set[str], dropped: tuple[str, ...]) -> str:
        out = [f"Image {w}x{h}, {total} objects."]
        if any(o.depth is not None for o in objs):
            out.append("Depth: 0 = nearest, 1 = farthest.")
        out.append("Objects (id: label (attributes) at position, size):")
        out += [lines[o.id] for o in objs if o.id in kept]
        if len(kept) < total:
            out.append(f"{ELLIPSIS} {total - len(kept)} more objects omitted "
                       "(lowest scores), with their relations")
        among = [r for r in rels if r[0] in kept and r[2] in kept]
        shown = [r for r in among if r[1] not in dropped]
        if shown:
            out.append("Relations:")
            out += relation_lines(shown)
        counts = [f"{sum(r[1] == p for r in among)} {p}" for p in dropped
                  if any(r[1] == p for r in among)]
        if counts:
            out.append(f"{ELLIPSIS} omitted relations: {', '.join(counts)}")
        return "\n".join(out)

    all_ids = {o.id for o in objs}
    for n in range(len(LOW_VALUE) + 1):
        text = build(all_ids, LOW_VALUE[:n])
        if len(text) <= max_chars:
            return text
    # Largest k whose top-k objects fit (length grows with k; a digit of the omission count may
    # shrink, hence the final check).
    lo, hi = 0, len(ranked)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(build({o.id for o in ranked[:mid]}, LOW_VALUE)) <= max_chars:
            lo = mid
        else:
            hi = mid - 1
    text = build({o.id for o in ranked[:lo]}, LOW_VALUE)
    return text if len(text) <= max_chars else _cut(text, max_chars)


def _subgraph(graph: SceneGraph, objects: list[SceneObject]) -> SceneGraph:
    """``graph`` restricted to ``objects``: stored relations among them, else derived on them."""
    ids = {o.id for o in objects}
    relations = None if graph.relations is None else \
        [r for r in graph.relations if r.subject in ids and r.object in ids]
    return graph.model_copy(update={"objects": objects, "relations": relations})


def _cut(text: str, max_chars: int) -> str:
    """Last resort for a tiny ``max_chars``: whole lines up to the limit, then a marker."""
    marker = f"\n{ELLIPSIS} truncated"
    if max_chars <= len(marker):
        return text[:max_chars]
    head = text[:max_chars - len(marker)]
    if "\n" in head:
        head = head[:head.rindex("\n")]
    return head + marker
