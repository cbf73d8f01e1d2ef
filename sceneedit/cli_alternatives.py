"""The command line's side of a plan's ``alternatives``: the did-you-mean lines that ``plan``,
``edit`` and ``render`` print, and ``render --choose``. Imported by the commands only when they
run (``--help`` must not load pydantic models)."""
from __future__ import annotations

from collections.abc import Sequence

from .alternatives import did_you_mean, parse_pick, pick_token
from .plan import Plan
from .scene.model import SceneGraph


def apply_choices(plan: Plan, picks: Sequence[str] | None) -> Plan:
    """``plan`` with each ``--choose`` applied in turn (``Plan.choose``); a malformed pick or
    an id that is no candidate is a ``ValidationError`` naming the candidates (exit 2)."""
    for text in picks or ():
        object_id, edit, field = parse_pick(text)
        plan = plan.choose(object_id, edit=edit, field=field)
    return plan


def alternatives_lines(plan: Plan, graph: SceneGraph | None, how: str) -> list[str]:
    """The did-you-mean line(s), then how to use another candidate: ``how`` is the command to
    run, with ``{choose}`` where the ``--choose`` value goes (filled with the runner-up of the
    first choice). Empty when the plan records no alternatives."""
    lines = did_you_mean(plan, graph)
    if not lines:
        return []
    first = plan.alternatives[0]
    used = first.ids[0] if len(plan.alternatives) == 1 else "the first named in each"
    example = pick_token(plan, 0, first.ids[1])
    return lines + [f"  (the plan uses {used}; to use another: {how.format(choose=example)})"]


def print_alternatives(plan: Plan, graph: SceneGraph | None, how: str) -> None:
    for line in alternatives_lines(plan, graph, how):
        print(line)
