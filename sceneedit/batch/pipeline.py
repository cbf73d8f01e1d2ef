"""The per-item pipeline, as two stages over plain rows so that the sequential loop and Ray
Data run the very same code: ``perceive_and_plan`` (CPU: load, perceive, plan) and ``render``
(the GPU stage when there is one). A row is ``{"payload": JSON text, "png": bytes}``: strings
and bytes only, which Ray Data moves between processes and machines without schema surprises.

A stage never raises for a bad item: it records the error's class and message and the stage
where it happened, and the later stages pass the row through untouched.
"""
from __future__ import annotations

import io
import json
import time
from typing import Any

from ..errors import InvalidInputError
from .items import BatchItem, BatchSettings, file_digest

_MAX_MESSAGE = 2000
_PERCEIVERS: dict[str, Any] = {}
_PLANNERS: dict[tuple, Any] = {}


def make_row(item: BatchItem) -> dict[str, Any]:
    payload = {"id": item.id, "index": item.index, "key": item.key, "image": item.image,
               "instruction": item.instruction, "plan_text": item.plan_text,
               "plan_origin": item.plan_origin, "image_sha256": item.image_sha256,
               "status": "pending", "stage": "read", "error": item.problem, "seconds": {}}
    return {"payload": json.dumps(payload), "png": b""}


def lost_payload(item: BatchItem, message: str) -> dict[str, Any]:
    """The failure of an item whose result never came back (its worker died)."""
    payload = json.loads(make_row(item)["payload"])
    payload.update(status="failed", stage="worker",
                   error={"class": "WorkerLost", "message": message})
    return payload


def _fail(payload: dict[str, Any], stage: str, exc: BaseException) -> None:
    message = str(exc) or repr(exc)
    origin = payload.get("plan_origin")
    if stage == "plan" and origin not in (None, "inline"):
        message = f"plan {origin}: {message}"
    if len(message) > _MAX_MESSAGE:
        message = message[:_MAX_MESSAGE] + "..."
    payload.update(status="failed", stage=stage,
                   error={"class": type(exc).__name__, "message": message})


def _perceiver(name: str):
    if name not in _PERCEIVERS:
        if name != "classical":
            raise InvalidInputError(f"unknown perceiver {name!r}. Valid choices: classical")
        from ..perception import ClassicalPerceiver

        _PERCEIVERS[name] = ClassicalPerceiver()
    return _PERCEIVERS[name]


def _planner(settings: BatchSettings):
    """One planner per worker process (the model itself is shared by ``get_llm``)."""
    key = (settings.llm, settings.llm_threads, settings.seed, settings.max_repairs)
    if key not in _PLANNERS:
        from ..llm.llama import get_llm
        from ..reasoning.planner import Planner

        _PLANNERS[key] = Planner(get_llm(settings.llm, n_threads=settings.llm_threads),
                                 seed=settings.seed, max_repairs=settings.max_repairs)
    return _PLANNERS[key]


def _load_image(payload: dict[str, Any]):
    from ..io import load_image

    expected = payload["image_sha256"]
    if expected is not None and file_digest(payload["image"]) != expected:
        raise InvalidInputError(f"image {payload['image']} changed while the batch ran")
    return load_image(payload["image"])


def _perceive_and_plan(payload: dict[str, Any], settings: BatchSettings) -> None:
    from ..plan import Plan

    stage, t0 = "load", time.perf_counter()
    try:
        image = _load_image(payload)
        payload["seconds"]["load"] = time.perf_counter() - t0
        stage = "plan"  # a given plan is read first: its graph, if any, spares perception
        given = Plan.from_json(payload["plan_text"]) if payload["plan_text"] else None
        graph = given.graph if given is not None else None
        if graph is None:
            stage, t0 = "perceive", time.perf_counter()
            graph = _perceiver(settings.perceiver).perceive(image)
            payload["seconds"]["perceive"] = time.perf_counter() - t0
            payload["graph_source"] = settings.perceiver
        else:
            graph.check_matches(image)
            payload["graph_source"] = "plan"
        stage, t0 = "plan", time.perf_counter()
        if given is not None:  # checked here, on a CPU worker, before it reaches a GPU
            given.validate_against(graph)
            plan, payload["plan_source"] = given.model_copy(update={"graph": None}), "given"
        else:
            plan = _planner(settings).plan(graph, payload["instruction"]).plan
            payload["plan_source"] = "llm"
        payload["seconds"]["plan"] = time.perf_counter() - t0
        payload["graph"] = graph.to_json(indent=None)
        payload["plan"] = plan.to_json(indent=None)
        payload["stage"] = "planned"
        if plan.unresolved:  # finished: keep the plan with its graph, as render would
            payload.update(status="unresolved", unresolved=plan.unresolved, edits=0,
                           plan=plan.model_copy(update={"graph": graph}).to_json(indent=None))
            del payload["graph"]
    except Exception as exc:  # one bad item must not stop the batch: record it
        _fail(payload, stage, exc)


def _render(payload: dict[str, Any], settings: BatchSettings) -> bytes:
    from PIL import Image

    from ..io import image_sha256
    from ..plan import Plan
    from ..render import render_plan
    from ..scene import SceneGraph

    t0 = time.perf_counter()
    try:
        image = _load_image(payload)
        graph = SceneGraph.from_json(payload.pop("graph"))
        plan = Plan.from_json(payload["plan"])
        out = render_plan(plan, image, graph, seed=settings.seed,
                          inpaint_method=settings.inpaint)
        changed = (out.image != image).any(axis=2)
        buf = io.BytesIO()
        Image.fromarray(out.image).save(buf, format="PNG")
        payload["plan"] = plan.model_copy(update={"graph": graph}).to_json(indent=None)
        payload.update(status="ok", stage="rendered", edits=len(plan.edits),
                       bricks=len(out.workflow.nodes), output_sha256=image_sha256(out.image),
                       footprint_px=int(out.footprint.sum()), changed_px=int(changed.sum()),
                       changed_outside_footprint=int(changed[~out.footprint].sum()))
        payload["seconds"]["render"] = time.perf_counter() - t0
        return buf.getvalue()
    except Exception as exc:  # recorded, never raised: see the module docstring
        _fail(payload, "render", exc)
        return b""


def perceive_and_plan(row: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    payload = json.loads(row["payload"])
    if payload["error"] is None:
        _perceive_and_plan(payload, BatchSettings.from_dict(settings))
    elif payload["status"] == "pending":
        payload["status"] = "failed"   # the dataset entry itself was unusable
    return {"payload": json.dumps(payload), "png": row["png"]}


def render(row: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    payload = json.loads(row["payload"])
    png = row["png"]
    if payload["status"] == "pending":
        png = _render(payload, BatchSettings.from_dict(settings))
    return {"payload": json.dumps(payload), "png": png}


def run_item(item: BatchItem, settings: BatchSettings) -> dict[str, Any]:
    """Both stages in this process: what the plain loop does per item."""
    raw = settings.to_dict()
    return render(perceive_and_plan(make_row(item), raw), raw)

