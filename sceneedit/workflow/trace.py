"""A per-step record of a workflow run: what went in and out, how long it took, and a small
visual of each step (VisProg-style), displayable in a notebook."""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..scene.model import SceneGraph

THUMB_SIZE = 160


def describe(value: Any) -> str:
    """A short human description of a port value."""
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            return f"Mask {value.shape[1]}x{value.shape[0]}, {int(value.sum())} px"
        return f"Image {value.shape[1]}x{value.shape[0]}"
    if isinstance(value, SceneGraph):
        return f"Graph ({len(value.objects)} objects)"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) + "]"
    return repr(value)


def thumbnail(value: Any, size: int = THUMB_SIZE) -> np.ndarray | None:
    """A small RGB picture of an Image or Mask value (None for other values)."""
    import cv2

    if not isinstance(value, np.ndarray) or value.ndim not in (2, 3):
        return None
    img = value if value.ndim == 3 else np.repeat((value.astype(np.uint8) * 255)[..., None], 3, 2)
    h, w = img.shape[:2]
    scale = size / max(h, w)
    if scale < 1:
        img = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(img)


def png_data_uri(image: np.ndarray) -> str:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@dataclass
class StepRecord:
    node: str
    brick: str
    note: str | None
    inputs: dict[str, str]           # port -> description (references shown as "<- n1.mask")
    outputs: dict[str, str]
    seconds: float
    cached: bool
    visual: np.ndarray | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "brick": self.brick, "note": self.note, "inputs": self.inputs,
                "outputs": self.outputs, "seconds": round(self.seconds, 6), "cached": self.cached}


@dataclass
class Trace:
    steps: list[StepRecord] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # e.g. placeholder content was drawn

    def to_dict(self) -> dict[str, Any]:
        out = {"seconds": round(self.seconds, 6), "steps": [s.to_dict() for s in self.steps]}
        return {**out, "warnings": list(self.warnings)} if self.warnings else out

    def __str__(self) -> str:
        lines = []
        for s in self.steps:
            tag = " (cached)" if s.cached else ""
            lines.append(f"{s.node:>5} {s.brick:<16} {s.seconds * 1000:7.1f} ms{tag}"
                         f"{'  # ' + s.note if s.note else ''}")
        lines.append(f"total {self.seconds * 1000:.1f} ms")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for s in self.steps:
            img = f'<img src="{png_data_uri(s.visual)}"/>' if s.visual is not None else ""
            ins = "<br>".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in s.inputs.items())
            outs = "<br>".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in s.outputs.items())
            rows.append(f"<tr><td>{html.escape(s.node)}</td><td><b>{html.escape(s.brick)}</b>"
                        f"<br><i>{html.escape(s.note or '')}</i></td><td>{ins}</td><td>{outs}</td>"
                        f"<td>{s.seconds * 1000:.1f} ms{' (cached)' if s.cached else ''}</td>"
                        f"<td>{img}</td></tr>")
        head = "<tr><th>node</th><th>brick</th><th>inputs</th><th>outputs</th><th>time</th>" \
               "<th>visual</th></tr>"
        notes = "".join(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in self.warnings)
        return (f"<table>{head}{''.join(rows)}</table><p>total {self.seconds * 1000:.1f} ms</p>"
                f"{notes}")
