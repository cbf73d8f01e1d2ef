"""Drawing a scene graph: masks, boxes and "o3 kettle" labels over the image (OpenCV), and the
HTML a notebook shows for a graph."""
from __future__ import annotations

import base64
import colorsys
import html
import re
import zlib

import numpy as np

from ..errors import SceneEditError, ValidationError
from ..io import check_image_array
from .model import SceneGraph, SceneObject
from .relations import canonical, id_key, relation_key
from .text import relation_lines

CANVAS_GRAY = 128  # mid gray: every id colour stays visible on it, light or dark
HTML_MAX_WIDTH = 640  # the notebook picture is downscaled to this width (keeps cells small)
HTML_MAX_RELATION_LINES = 100  # a 200-object graph has thousands; the text view bounds them
_GOLDEN = 0.618033988749895  # hue step: consecutive ids land far apart on the colour wheel


def id_color(object_id: str) -> tuple[int, int, int]:
    """A stable RGB colour for an id: ``oN`` ids step the hue by the golden ratio (so o1, o2, o3
    are far apart); other ids hash (crc32, unlike ``hash`` stable across runs)."""
    m = re.fullmatch(r"\D*(\d+)", object_id)
    n = int(m.group(1)) if m else zlib.crc32(object_id.encode("utf-8"))
    r, g, b = colorsys.hsv_to_rgb((n * _GOLDEN) % 1.0, 0.8, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def _text_color(bg: tuple[int, int, int]) -> tuple[int, int, int]:
    luma = 0.299 * bg[0] + 0.587 * bg[1] + 0.114 * bg[2]
    return (0, 0, 0) if luma > 140 else (255, 255, 255)


def _draw_label(out: np.ndarray, obj: SceneObject, color: tuple[int, int, int],
                scale: float, thickness: int, taken: list[tuple[int, int, int, int]]) -> None:
    """Draw "o3 kettle" on a filled tag of the id's colour: above the box, else just inside its
    top edge, else below it, whichever first avoids the tags in ``taken`` (then appended)."""
    import cv2

    # Hershey fonts are ASCII only; say "?" rather than drawing garbage.
    text = f"{obj.id} {obj.label}".encode("ascii", "replace").decode("ascii")
    font = cv2.FONT_HERSHEY_SIMPLEX
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    pad = max(1, thickness)
    h, w = out.shape[:2]
    tag_w, tag_h = tw + 2 * pad, th + base + 2 * pad
    x0, y0, _, y1 = (int(round(v)) for v in obj.box)
    x = min(max(x0, 0), max(w - tag_w, 0))
    tops = [min(max(t, 0), max(h - tag_h, 0)) for t in (y0 - tag_h, y0, y1)]

    def free(t: int) -> bool:
        return all(x + tag_w <= a or a2 <= x or t + tag_h <= b or b2 <= t
                   for a, b, a2, b2 in taken)

    top = next((t for t in tops if free(t)), tops[0])
    taken.append((x, top, x + tag_w, top + tag_h))
    cv2.rectangle(out, (x, top), (x + tag_w, top + tag_h), color, -1)
    cv2.putText(out, text, (x + pad, top + pad + th), font, scale, _text_color(color), thickness,
                cv2.LINE_AA)


def render_graph(graph: SceneGraph, image: np.ndarray | None = None, show_masks: bool = True,
                 show_boxes: bool = True, show_labels: bool = True,
                 alpha: float = 0.45) -> np.ndarray:
    """An RGB uint8 picture of ``graph``: masks tinted with each id's colour (``alpha`` of the
    colour, the rest of the image) and outlined, boxes, and "o3 kettle" labels; over ``image``
    (H x W x 3 uint8 RGB, the graph's size) or a neutral gray canvas."""
    import cv2

    if not 0 <= alpha <= 1:
        raise ValidationError("alpha", f"must be between 0 and 1, got {alpha}")
    h, w = graph.image.height, graph.image.width
    if image is None:
        out = np.full((h, w, 3), CANVAS_GRAY, dtype=np.uint8)
    else:
        out = check_image_array(image).copy()
        graph.check_matches(out)
    thickness = max(1, round(min(h, w) / 320))
    scale = max(0.35, min(h, w) / 960)
    # Large objects first, so small ones (often what the edit is about) stay visible on top.
    objs = sorted(graph.objects, key=lambda o: (-o.area, id_key(o.id)))
    colors = {o.id: id_color(o.id) for o in objs}
    if show_masks:
        tint = np.float32(alpha)
        for obj in objs:
            if obj.mask is None:
                continue
            m = obj.mask.to_array()
            color = np.array(colors[obj.id], dtype=np.float32)
            out[m] = np.round(out[m] * (1 - tint) + color * tint).astype(np.uint8)
            contours, _ = cv2.findContours(m.astype(np.uint8), cv2.RETR_EXTERNAL,
                                           cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(out, contours, -1, colors[obj.id], thickness)
    if show_boxes:
        for obj in objs:
            x0, y0, x1, y1 = (int(round(v)) for v in obj.box)
            cv2.rectangle(out, (x0, y0), (x1 - 1, y1 - 1), colors[obj.id], thickness)
    if show_labels:  # after everything else, so no mask or box covers a label
        taken: list[tuple[int, int, int, int]] = []
        for obj in reversed(objs):  # small objects choose their tag's place first
            _draw_label(out, obj, colors[obj.id], scale, thickness, taken)
    return out


def _png_base64(image: np.ndarray) -> str:
    import cv2

    h, w = image.shape[:2]
    if w > HTML_MAX_WIDTH:
        image = cv2.resize(image, (HTML_MAX_WIDTH, max(1, round(h * HTML_MAX_WIDTH / w))),
                           interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise SceneEditError("OpenCV could not encode the rendered graph as PNG")
    return base64.b64encode(png.tobytes()).decode("ascii")


def graph_html(graph: SceneGraph) -> str:
    """The notebook view: the render (over a gray canvas) beside a table of objects and the
    relations, every user-provided string escaped."""
    esc = html.escape
    img = f'<img src="data:image/png;base64,{_png_base64(render_graph(graph))}" ' \
          f'style="max-width:{HTML_MAX_WIDTH}px" alt="scene graph render"/>'
    rows = []
    for obj in sorted(graph.objects, key=lambda o: id_key(o.id)):
        r, g, b = id_color(obj.id)
        attrs = ", ".join(f"{k}: {v}" for k, v in sorted(obj.attributes.items()))
        box = ", ".join(f"{v:g}" for v in obj.box)
        score = "" if obj.score is None else f"{obj.score:.2f}"
        rows.append(f'<tr><td><span style="background:rgb({r},{g},{b})">&nbsp;&nbsp;</span> '
                    f"{esc(obj.id)}</td><td>{esc(obj.label)}</td><td>{esc(attrs)}</td>"
                    f"<td>[{box}]</td><td>{score}</td></tr>")
    table = ("<table><tr><th>id</th><th>label</th><th>attributes</th><th>box</th>"
             f"<th>score</th></tr>{''.join(rows)}</table>")
    rels = relation_lines(sorted({canonical(r) for r in graph.all_relations()}, key=relation_key))
    more = len(rels) - HTML_MAX_RELATION_LINES
    shown = "<br/>".join(esc(line) for line in rels[:HTML_MAX_RELATION_LINES])
    if more > 0:
        shown += f"<br/><i>… {more} more lines</i>"
    head = f"<b>Scene graph</b> {graph.image.width}x{graph.image.height}, " \
           f"{len(graph.objects)} objects"
    return (f'<div>{head}<div style="display:flex;gap:1em;align-items:flex-start">'
            f"<div>{img}</div><div>{table}<p><b>Relations</b><br/>{shown or '<i>none</i>'}</p>"
            "</div></div></div>")
