"""Running a validated workflow: topological order, content-hash cache, per-step trace, and the
final preservation composite (pixels outside the footprint are the input's, byte for byte)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..bricks.registry import REGISTRY, BrickRegistry
from ..errors import SceneEditError, WorkflowError
from ..imageops.composite import preserve
from .cache import ResultCache
from .model import INPUT, Workflow, as_ref
from .trace import StepRecord, Trace, describe, thumbnail
from .validate import validate_workflow

ProgressFn = Callable[[int, int, str], None]


@dataclass
class RunResult:
    outputs: dict[str, Any]
    trace: Trace

    @property
    def image(self) -> np.ndarray:
        return self.outputs["image"]

    @property
    def footprint(self) -> np.ndarray | None:
        return self.outputs.get("footprint")


class Executor:
    """Runs workflows over a brick registry on one device (``cpu`` or ``cuda``)."""

    def __init__(self, registry: BrickRegistry = REGISTRY, cache: ResultCache | None = None,
                 device: str = "cpu", visuals: bool = True):
        self.registry = registry
        self.cache = cache if cache is not None else ResultCache()
        self.device = device
        self.visuals = visuals

    def run(self, workflow: Workflow, inputs: dict[str, Any],
            progress: ProgressFn | None = None) -> RunResult:
        order = validate_workflow(workflow, self.registry, provided=inputs)
        for node_id in order:
            spec = self.registry.get(workflow.node(node_id).brick)
            if spec.device not in ("any", self.device):
                raise WorkflowError(node_id, f"brick {spec.name!r} needs device {spec.device!r}; "
                                    f"this executor runs on {self.device!r}")
        values: dict[str, dict[str, Any]] = {INPUT: dict(inputs)}
        trace = Trace()
        t_run = time.perf_counter()
        for i, node_id in enumerate(order):
            node = workflow.node(node_id)
            spec = self.registry.get(node.brick)
            if progress:
                progress(i, len(order), f"{node_id} {spec.name}")
            args, shown = {}, {}
            for name, raw in node.inputs.items():
                ref = as_ref(raw)
                args[name] = values[ref.source][ref.port] if ref else raw
                shown[name] = f"<- {ref.ref}" if ref else describe(raw)
            t0 = time.perf_counter()
            key = self.cache.key(spec.name, spec.version, args)
            outputs = self.cache.get(key)
            cached = outputs is not None
            if outputs is None:
                try:
                    outputs = spec.call(args)
                except SceneEditError as exc:
                    raise WorkflowError(node_id, f"{spec.name} failed: {exc}") from exc
                except Exception as exc:  # a brick bug or bad data: say where, keep the cause
                    raise WorkflowError(node_id, f"{spec.name} failed: "
                                        f"{type(exc).__name__}: {exc}") from exc
                for port in spec.outputs:
                    problem = port.check(outputs[port.name])
                    if problem:
                        raise WorkflowError(node_id, f"{spec.name} returned a bad {port.name!r}: "
                                            f"{problem}")
                outputs = self.cache.put(key, outputs)
            values[node_id] = outputs
            visual = None
            if self.visuals:
                visual = next((t for t in map(thumbnail, outputs.values()) if t is not None), None)
            trace.steps.append(StepRecord(node_id, spec.name, node.note, shown,
                                          {k: describe(v) for k, v in outputs.items()},
                                          time.perf_counter() - t0, cached, visual))
        result = {name: values[ref.source][ref.port] for name, ref in workflow.outputs.items()}
        if "footprint" in result and "image" in inputs:
            try:  # the preservation invariant: only the footprint may differ from the input
                result["image"] = preserve(inputs["image"], result["image"], result["footprint"])
            except SceneEditError as exc:
                raise WorkflowError("outputs", f"final composite failed: {exc}") from None
        trace.seconds = time.perf_counter() - t_run
        if progress:
            progress(len(order), len(order), "done")
        return RunResult(result, trace)
