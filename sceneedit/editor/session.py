"""Multi-turn editing of one image, with undo / redo and a history that is saved to a folder.

The image is perceived once, when the session starts. Each turn edits the latest result with
the latest graph, and the graph is then updated incrementally: only the edit's footprint is
re-perceived (``region.update_graph``), untouched objects keep their entries and ids, and an
id, once used, is never given to another object.

On disk (``save`` / ``load``) a session is a folder: ``manifest.json``
(``sceneedit.session/1``), and per turn ``turn-NNN.png`` (lossless), ``turn-NNN.graph.json``
(``sceneedit.scene-graph/1``), ``turn-NNN.plan.json`` (``sceneedit.plan/1``) and, when the turn
had one, ``turn-NNN.mask.png``.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidInputError, SceneEditError
from ..io import check_image_array, load_image, read_text, save_image, write_text_atomic
from ..outputs import contained
from ..plan import Plan
from ..scene.model import SceneGraph
from .api import StageFn
from .editor import Editor
from .result import Attempt, EditResult

SESSION_FORMAT = "sceneedit.session/1"
MANIFEST = "manifest.json"


@dataclass
class Turn:
    """One state of the image. Turn 0 is the original; every later one is an edit of the turn
    before it."""

    image: np.ndarray
    graph: SceneGraph
    instruction: str | None = None
    plan: Plan | None = None
    status: str | None = None           # verified | failed
    message: str | None = None
    feedback: str | None = None
    verification: dict[str, Any] | None = None
    mask: np.ndarray | None = None
    result: EditResult | None = None    # in memory only (not saved)


class Session:
    """``Session(image, editor)``; ``edit(instruction)``, ``undo()``, ``redo()``,
    ``revise(feedback)``, ``choose(object_id)``, ``save(folder)``,
    ``Session.load(folder, editor)``."""

    def __init__(self, image: np.ndarray | str | Path, editor: Editor | None = None, *,
                 graph: SceneGraph | None = None):
        self.editor = editor or Editor()
        image = load_image(image) if isinstance(image, (str, Path)) else check_image_array(image)
        if graph is None:
            graph = self.editor.perceive(image)
        graph.check_matches(image)
        self.turns: list[Turn] = [Turn(image, graph)]
        self.cursor = 0
        self.next_fresh = _id_number(graph.next_id())

    # ---- the current state ---------------------------------------------------------------
    @property
    def current(self) -> Turn:
        return self.turns[self.cursor]

    @property
    def image(self) -> np.ndarray:
        return self.current.image

    @property
    def graph(self) -> SceneGraph:
        return self.current.graph

    @property
    def history(self) -> list[Turn]:
        """The turns up to the current one (redo-able turns are not included)."""
        return self.turns[: self.cursor + 1]

    @property
    def can_undo(self) -> bool:
        return self.cursor > 0

    @property
    def can_redo(self) -> bool:
        return self.cursor < len(self.turns) - 1

    # ---- editing ---------------------------------------------------------------------------
    def edit(self, instruction: str, *, mask: Any = None, feedback: str | None = None,
             progress: StageFn | None = None) -> EditResult:
        """Edit the current image. A result that rendered becomes the new current turn (its
        verdict is recorded; ``undo`` takes it back); an unresolved one changes nothing."""
        return self._edit_from(self.cursor, instruction, mask=mask, feedback=feedback,
                               previous=None, progress=progress)

    def revise(self, feedback: str | None = None, *, mask: Any = None,
               progress: StageFn | None = None) -> EditResult:
        """Redo the current turn's instruction from the turn before it, with user feedback
        ("not that one, the other mug") and / or a new mask; the revised turn replaces the
        current one."""
        if self.cursor == 0:
            raise SceneEditError("nothing to revise: no edit has been made yet")
        if not feedback and mask is None:
            raise SceneEditError("revise needs feedback or a mask")
        turn = self.current
        return self._edit_from(self.cursor - 1, turn.instruction or "",
                               mask=turn.mask if mask is None else mask, feedback=feedback,
                               previous=turn.plan, progress=progress)

    def choose(self, object_id: str, *, edit: int | None = None, field: str | None = None,
               progress: StageFn | None = None) -> EditResult:
        """Redo the current turn with another of its plan's recorded candidates (the
        did-you-mean line): the same plan with ``object_id`` swapped in (``Editor.choose``; no
        planner runs), rendered from the turn before it. Like ``revise``, the result replaces
        the current turn, so ``undo`` goes back to the image before the edit."""
        if self.cursor == 0:
            raise SceneEditError("nothing to choose: no edit has been made yet")
        turn, parent = self.current, self.turns[self.cursor - 1]
        if turn.plan is None:
            raise SceneEditError("nothing to choose: the current turn has no plan")
        # a loaded session keeps no EditResult: the turn's plan on its parent is the same edit
        # (unless the turn refined the graph first: then an id the parent lacks is an error)
        result = turn.result or EditResult(turn.instruction or "", parent.image, parent.graph,
                                           [], [Attempt(turn.plan, None, turn.feedback)],
                                           mask=turn.mask, feedback=turn.feedback)
        picked = self.editor.choose(result, object_id, edit=edit, field=field,
                                    progress=progress, fresh_ids_from=self.next_fresh)
        return self._record(self.cursor - 1, picked, turn.instruction or "", turn.mask,
                            turn.feedback)

    def _edit_from(self, base: int, instruction: str, *, mask: Any, feedback: str | None,
                   previous: Plan | None, progress: StageFn | None) -> EditResult:
        parent = self.turns[base]
        result = self.editor.edit(parent.image, instruction, mask=mask, feedback=feedback,
                                  previous=previous, graph=parent.graph, progress=progress,
                                  fresh_ids_from=self.next_fresh)
        return self._record(base, result, instruction, mask, feedback)

    def _record(self, base: int, result: EditResult, instruction: str, mask: Any,
                feedback: str | None) -> EditResult:
        """Make ``result`` the turn after ``base`` (dropping the redo-able turns), when it
        rendered; an unrendered result changes nothing."""
        if result.final.rendered is None:
            return result
        graph = result.graph_after
        self.next_fresh = max(self.next_fresh, _id_number(graph.next_id()))
        v = result.verification
        plan = result.plan.model_copy(update={"graph": None})
        turn = Turn(result.image, graph, instruction, plan, result.status, result.message,
                    feedback, v.to_dict() if v else None,
                    None if mask is None else np.asarray(mask), result)
        self.turns = self.turns[: base + 1] + [turn]  # a new edit drops the redo-able turns
        self.cursor = base + 1
        return result

    def undo(self) -> Turn:
        if not self.can_undo:
            raise SceneEditError("nothing to undo: this is the original image")
        self.cursor -= 1
        return self.current

    def redo(self) -> Turn:
        if not self.can_redo:
            raise SceneEditError("nothing to redo")
        self.cursor += 1
        return self.current

    # ---- on disk ---------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the whole history (redo-able turns included) to ``folder``, replacing a
        session saved there before. Written to a temporary folder first and then moved into
        place, so a failure leaves the old folder (or nothing), never half a session."""
        folder = Path(folder)
        if folder.exists() and (not folder.is_dir() or
                                (any(folder.iterdir()) and not (folder / MANIFEST).is_file())):
            raise InvalidInputError(f"{folder} exists and is not a saved session; choose a new "
                                    "or empty folder")
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        try:
            turns = []
            for i, t in enumerate(self.turns):
                stem = f"turn-{i:03d}"
                entry: dict[str, Any] = {"image": f"{stem}.png", "graph": f"{stem}.graph.json",
                                         "instruction": t.instruction, "status": t.status,
                                         "message": t.message, "feedback": t.feedback,
                                         "verification": t.verification}
                save_image(tmp / entry["image"], t.image)
                t.graph.save(tmp / entry["graph"])
                if t.plan is not None:
                    entry["plan"] = f"{stem}.plan.json"
                    t.plan.save(tmp / entry["plan"])
                if t.mask is not None:
                    entry["mask"] = f"{stem}.mask.png"
                    save_image(tmp / entry["mask"], np.repeat(
                        (np.asarray(t.mask).astype(bool) * 255).astype(np.uint8)[..., None], 3, 2))
                turns.append(entry)
            manifest = {"format": SESSION_FORMAT, "cursor": self.cursor,
                        "next_fresh": self.next_fresh, "turns": turns}
            write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=2) + "\n")
            if folder.exists():
                old = folder.with_name(f".{folder.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                folder.rename(old)
                tmp.rename(folder)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return folder

    @classmethod
    def load(cls, folder: str | Path, editor: Editor | None = None) -> "Session":
        """A session saved by ``save``; no perception runs."""
        folder = Path(folder)
        try:
            manifest = json.loads(read_text(folder / MANIFEST, "session manifest"))
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{folder / MANIFEST} is not valid JSON: {exc}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != SESSION_FORMAT:
            raise InvalidInputError(f"{folder / MANIFEST}: expected format {SESSION_FORMAT!r}")
        entries = manifest.get("turns")
        cursor = manifest.get("cursor")
        if not isinstance(entries, list) or not entries or not isinstance(cursor, int) \
                or not 0 <= cursor < len(entries):
            raise InvalidInputError(f"{folder / MANIFEST}: needs a non-empty 'turns' list and a "
                                    "'cursor' index into it")
        turns = []
        for i, e in enumerate(entries):
            if not isinstance(e, dict) or "image" not in e or "graph" not in e:
                raise InvalidInputError(f"{folder / MANIFEST}: turns[{i}] needs 'image' and "
                                        "'graph'")
            def inside(key: str) -> Path:  # a manifest may only name files in its folder
                return contained(folder, e[key], f"{folder / MANIFEST}: turns[{i}].{key}")

            image = load_image(inside("image"))
            graph = SceneGraph.load(inside("graph"))
            graph.check_matches(image, f"image of turn {i}")
            plan = Plan.load(inside("plan")) if e.get("plan") else None
            # transparent = not selected, so a mask's alpha is composited on black
            mask = (load_image(inside("mask"), background=(0, 0, 0)).any(axis=2)
                    if e.get("mask") else None)
            turns.append(Turn(image, graph, e.get("instruction"), plan, e.get("status"),
                              e.get("message"), e.get("feedback"), e.get("verification"), mask))
        self = cls.__new__(cls)
        self.editor = editor or Editor()
        self.turns, self.cursor = turns, cursor
        self.next_fresh = max(int(manifest.get("next_fresh") or 0),
                              *(_id_number(t.graph.next_id()) for t in turns))
        return self

    def __repr__(self) -> str:
        return (f"Session({len(self.turns)} turns, at turn {self.cursor}: "
                f"{self.current.instruction or 'original'})")

    def _repr_html_(self) -> str:
        import html

        from ..workflow.trace import png_data_uri, thumbnail

        cells = []
        for i, t in enumerate(self.turns):
            style = "border:3px solid #1a7f37" if i == self.cursor else \
                ("opacity:0.5" if i > self.cursor else "")
            cells.append(f"<td style='{style};vertical-align:top'>"
                         f"<img src='{png_data_uri(thumbnail(t.image, 200))}'/><br>{i}: "
                         f"{html.escape(t.instruction or 'original')}<br>"
                         f"<i>{t.status or ''}</i></td>")
        return f"<table><tr>{''.join(cells)}</tr></table>"


def _id_number(object_id: str) -> int:
    return int(object_id[1:])
