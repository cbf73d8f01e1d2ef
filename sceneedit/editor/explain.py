"""An ``EditResult`` for people: the text ``sceneedit edit --explain`` prints, and the HTML a
notebook shows (before / after images, graph, plan, per-step trace with visuals, verdict)."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..alternatives import did_you_mean
from ..perception.mask_shaping import shaped_ids
from ..scene.model import SceneGraph
from ..workflow.trace import png_data_uri, thumbnail
from .verification import describe_edit

if TYPE_CHECKING:
    from .result import Attempt, EditResult


def _edit_lines(graph: SceneGraph, attempt: "Attempt") -> list[str]:
    plan = attempt.plan
    lines = [f"reasoning: {plan.reasoning or '-'}"]
    if plan.unresolved:
        lines.append(f"unresolved: {plan.unresolved}")
    for i, e in enumerate(plan.edits):
        names = ", ".join(f"{oid} = {graph.get(oid).label} ({graph.get(oid).color})"
                          for oid in e.object_ids().values() if oid in graph)
        lines.append(f"  {i + 1}. {describe_edit(e)}" + (f"   [{names}]" if names else ""))
    if attempt.chosen:
        lines.append(f"your pick: {attempt.chosen} (the same plan, not planned again)")
    lines += did_you_mean(plan, graph)
    return lines


def mask_lines(r: "EditResult") -> list[str]:
    """Where masks came from when the input had boxes only (or the user marked a box)."""
    shaped = shaped_ids(r.graph_before)
    lines = []
    if shaped:
        coarse = [oid for oid, how in shaped.items() if how == "box"]
        lines.append("masks shaped from boxes: " + ", ".join(
            f"{oid} by {how}" for oid, how in shaped.items()) +
            (f" (segmentation gave up on {', '.join(coarse)}: the box is the mask, coarse)"
             if coarse else ""))
    if r.region_from == "as drawn":
        lines.append("your region: your mask as drawn")
    elif r.region_from is not None:
        lines.append(f"your region: shaped from your box / clicks by {r.region_from}")
    return lines


def explain_text(r: "EditResult") -> str:
    out = [f"== Instruction ==\n{r.instruction}"]
    if r.feedback:
        out.append(f"user feedback: {r.feedback}")
    out.append(f"\n== Scene graph (perceived: {len(r.graph_before.objects)} objects) ==")
    out.append(r.graph_before.to_text())
    out += mask_lines(r)
    if r.refinement:
        out.append(f"\n== Refinement ({len(r.refinement)} round(s)) ==")
        prev = r.graph_before
        for i, g in enumerate(r.refinement):
            out.append(f"round {i + 1}:\n{prev.diff(g)}")
            prev = g
    for n, a in enumerate(r.attempts):
        title = "Plan" if n == 0 else f"Re-plan {n} (feedback: the failure above)"
        out.append(f"\n== {title} ==")
        out += _edit_lines(r.graph, a)
        if a.note:
            out.append(f"note: {a.note}")
        if a.rendered is not None:
            out.append(f"\n== Workflow ({len(a.rendered.workflow.nodes)} brick calls) ==")
            out.append(str(a.rendered.trace))
        if a.verification is not None:
            out.append("\n== Verification ==")
            out.append(str(a.verification))
    out.append("\n== Changes to the scene graph ==")
    out.append(str(r.diff))
    out.append(f"\n== Result: {r.status} ==\n{r.message}")
    out.append("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.seconds.items()))
    return "\n".join(out)


def _img(image, size: int = 320) -> str:
    return f'<img src="{png_data_uri(thumbnail(image, size))}"/>'


def explain_html(r: "EditResult") -> str:
    color = {"verified": "#1a7f37", "failed": "#cf222e", "unresolved": "#9a6700"}[r.status]
    parts = [f"<h4>{html.escape(r.instruction)}</h4>",
             f"<p style='color:{color}'><b>{r.status}</b>: {html.escape(r.message)}</p>",
             "<table><tr><th>before</th><th>after</th></tr>"
             f"<tr><td>{_img(r.input_image)}</td><td>{_img(r.image)}</td></tr></table>",
             "<details><summary>scene graph (perceived)</summary>",
             r.graph_before._repr_html_(), "</details>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in mask_lines(r)]
    for i, g in enumerate(r.refinement):
        parts += [f"<details><summary>refinement round {i + 1}</summary>", g._repr_html_(),
                  "</details>"]
    for n, a in enumerate(r.attempts):
        parts.append(f"<h5>{'plan' if n == 0 else 're-plan after the failure'}</h5><pre>"
                     + html.escape("\n".join(_edit_lines(r.graph, a))) + "</pre>")
        if a.rendered is not None:
            parts += ["<details><summary>workflow trace</summary>",
                      a.rendered.trace._repr_html_(), "</details>"]
        if a.verification is not None:
            parts.append(a.verification._repr_html_())
    parts += ["<h5>changes to the scene graph</h5>", r.diff._repr_html_(),
              "<p>" + ", ".join(f"{k} {v:.2f} s" for k, v in r.seconds.items()) + "</p>"]
    return "\n".join(parts)
