"""Two ways to run the pipeline over items, with identical per-item results:

- ``run_loop``: one item after the other in this process (the baseline, and ``--no-ray``);
- ``run_ray``: a Ray Data pipeline. ``perceive_and_plan`` runs as CPU tasks; ``render`` asks
  for one GPU per task when the cluster has GPUs, else it runs on CPUs too. Results stream back
  to this process, which writes them, so workers need no access to the output folder (on a
  cluster they only need the dataset's paths and sceneedit installed).

Both call ``on_result(payload, png)`` once per item as soon as it is finished.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .items import BatchItem, BatchSettings
from .pipeline import make_row, perceive_and_plan, render, run_item

OnResult = Callable[[dict[str, Any], bytes], None]


@dataclass
class RunInfo:
    executor: str
    workers: int
    startup_seconds: float = 0.0     # Ray: connecting or starting the instance
    gpus: float = 0.0


def run_loop(items: Sequence[BatchItem], settings: BatchSettings, on_result: OnResult) -> RunInfo:
    for item in items:
        row = run_item(item, settings)
        on_result(json.loads(row["payload"]), row["png"])
    return RunInfo("loop", 1)


# Ray's own notices (token authentication, deprecations, "progress bars disabled", per-dataset
# execution plans) would drown the progress line; its errors still show.
_RAY_LOGGERS = ("ray", "ray.data", "ray._private", "ray.util")


def _quiet_ray_logging() -> None:
    for name in _RAY_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


def connect_ray(address: str | None, workers: int | None) -> tuple[bool, float]:
    """Connect to ``address`` or start a local instance; (whether we started it, seconds)."""
    try:
        import ray
    except ImportError as exc:
        from ..errors import SceneEditError

        raise SceneEditError("sceneedit batch needs Ray: pip install 'sceneedit[batch]' "
                             "(or run it with --no-ray)") from exc
    t0 = time.perf_counter()
    _quiet_ray_logging()
    if ray.is_initialized():
        return False, 0.0
    if address:
        ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    else:
        ray.init(num_cpus=workers, include_dashboard=False, logging_level=logging.ERROR,
                 log_to_driver=False)
    _quiet_ray_logging()
    return True, time.perf_counter() - t0


def run_ray(items: Sequence[BatchItem], settings: BatchSettings, on_result: OnResult, *,
            address: str | None = None, workers: int | None = None) -> RunInfo:
    import ray
    import ray.data

    started, startup = connect_ray(address, workers)
    try:
        resources = ray.cluster_resources()
        cpus = int(resources.get("CPU", 1))
        gpus = float(resources.get("GPU", 0.0))
        concurrency = max(1, min(workers or cpus, cpus, len(items) or 1))
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False          # our own progress line says more
        # A worker that dies (a native crash, out of memory) loses its block after Ray's
        # retries. Carry on with the other items: the runner records every item whose result
        # never came back as failed, so nothing is dropped.
        ctx.max_errored_blocks = -1
        if hasattr(ctx, "print_on_execution_start"):
            ctx.print_on_execution_start = False
        if not items:
            return RunInfo("ray", concurrency, startup, gpus)
        raw = settings.to_dict()
        # One item per block: items stream out (and get written) one by one, and a slow item
        # holds back nothing else.
        ds = ray.data.from_items([make_row(item) for item in items],
                                 override_num_blocks=len(items))
        cpu_pool = ray.data.TaskPoolStrategy(size=concurrency)
        ds = ds.map(perceive_and_plan, fn_kwargs={"settings": raw}, num_cpus=1, compute=cpu_pool)
        if gpus >= 1:
            gpu_pool = ray.data.TaskPoolStrategy(size=max(1, min(int(gpus), len(items))))
            ds = ds.map(render, fn_kwargs={"settings": raw}, num_gpus=1, compute=gpu_pool)
        else:
            ds = ds.map(render, fn_kwargs={"settings": raw}, num_cpus=1, compute=cpu_pool)
        for row in ds.iter_rows():
            on_result(json.loads(row["payload"]), bytes(row["png"]))
        return RunInfo("ray", concurrency, startup, gpus)
    finally:
        if started:
            ray.shutdown()
