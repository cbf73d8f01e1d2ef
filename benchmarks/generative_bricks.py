"""Time per op: classical bricks vs generative bricks on a tiny random-weight diffusion pipeline.

What this measures is the *overhead* of the generative path on the CPU (crop windows, resize,
pipeline call with a model whose compute is negligible, paste-back, coarse-to-fine extra step)
next to the classical bricks, measured in the same run on the same synthetic scene. The tiny
model says nothing about the time of a real Stable Diffusion model: that is dominated by the
UNet and needs a GPU (see docs/generative.md).

Each op is one single-edit plan rendered with a fresh executor (no cache hits), ``--repeats``
times after one warm-up; CPU time is the steadier figure on a shared machine. Prints a
Markdown table of medians and writes benchmarks/results/generative_bricks.json.

    python benchmarks/generative_bricks.py [--repeats 5] [--steps 2] [--threads 1]
    python benchmarks/generative_bricks.py --device cuda --dtype float16   # the GPU check
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from sceneedit.diffusion.runtime import DiffusionRuntime
from sceneedit.plan import Plan
from sceneedit.render import render_plan
from sceneedit.render_config import RenderConfig
from sceneedit.synthetic import generate_scene
from sceneedit.workflow.executor import Executor

RESULTS = Path(__file__).resolve().parent / "results" / "generative_bricks.json"


def _ops(ids: dict[str, str]) -> dict[str, dict]:
    return {
        "remove": {"op": "remove", "target": ids["mug"]},
        "replace": {"op": "replace", "target": ids["book"], "with": "a yellow lamp"},
        "add": {"op": "add", "what": "a red apple", "anchor": ids["apple"], "relation": "right_of"},
        "restyle": {"op": "restyle", "target": ids["book"], "style": "striped"},
        "recolor": {"op": "recolor", "target": ids["mug"], "color": "orange"},
    }


def _time(plan: Plan, scene, config: RenderConfig, repeats: int,
          runtime: DiffusionRuntime | None = None) -> tuple[float, float, int, int, int]:
    """Median wall and CPU seconds; footprint size, pixels changed inside it and outside it
    (must be 0)."""
    walls, cpus, leaks = [], [], 0
    for k in range(repeats + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        out = render_plan(plan, scene.image, scene.graph, config=config,
                          executor=Executor(visuals=False), runtime=runtime)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        leaks = max(leaks, int((out.image != scene.image).any(axis=2)[~out.footprint].sum()))
        if k:  # the first run loads the pipeline
            walls.append(wall)
            cpus.append(cpu)
    changed = (out.image != scene.image).any(axis=2)
    return (statistics.median(walls), statistics.median(cpus), int(out.footprint.sum()),
            int(changed[out.footprint].sum()), leaks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1 suits tiny models)")
    ap.add_argument("--width", type=int, default=512)
    ap.add_argument("--height", type=int, default=384)
    ap.add_argument("--device", default="cpu", help="where the generative bricks run")
    ap.add_argument("--dtype", default="auto", help="auto: float16 on CUDA, float32 on CPU")
    args = ap.parse_args()

    import torch

    from sceneedit.diffusion.tiny import write_tiny_inpaint_pipeline

    torch.set_num_threads(args.threads)
    runtime = DiffusionRuntime(device=args.device, dtype=args.dtype)
    scene = generate_scene(5, width=args.width, height=args.height,
                           objects=[("apple", "red"), ("mug", "blue"), ("book", "green")])
    ids = {o.label: o.id for o in scene.graph.objects}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        model = str(write_tiny_inpaint_pipeline(Path(tmp) / "tiny"))
        classical = RenderConfig()
        generative = RenderConfig(bricks="generative", model=model, steps=args.steps)
        for name, edit in _ops(ids).items():
            plan = Plan(instruction=name, edits=[edit])
            c_wall, c_cpu, _, _, c_leak = _time(plan, scene, classical, args.repeats)
            g_wall, g_cpu, g_fp, g_in, g_leak = _time(plan, scene, generative, args.repeats,
                                                      runtime)
            rows.append({"op": name, "classical_wall_s": c_wall, "classical_cpu_s": c_cpu,
                         "generative_wall_s": g_wall, "generative_cpu_s": g_cpu,
                         "cpu_ratio": g_cpu / c_cpu if c_cpu else float("nan"),
                         "generative_footprint_px": g_fp, "generative_changed_inside_px": g_in,
                         "pixels_changed_outside_footprint": c_leak + g_leak})
    print(f"scene {args.width}x{args.height}, tiny pipeline (64 px native, {args.steps} steps) "
          f"on {args.device} ({runtime.dtype_for('StableDiffusionInpaintPipeline')}), "
          f"{args.repeats} repeats, torch threads {args.threads}; medians\n")
    print("| op | classical wall ms | classical CPU ms | generative wall ms | generative CPU ms "
          "| CPU ratio | generative: footprint px / changed inside | px changed outside "
          "footprint |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['op']} | {r['classical_wall_s'] * 1000:.0f} | "
              f"{r['classical_cpu_s'] * 1000:.0f} | {r['generative_wall_s'] * 1000:.0f} | "
              f"{r['generative_cpu_s'] * 1000:.0f} | {r['cpu_ratio']:.2f} | "
              f"{r['generative_footprint_px']} / {r['generative_changed_inside_px']} | "
              f"{r['pixels_changed_outside_footprint']} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    print(f"\nwrote {RESULTS}")
    assert all(r["pixels_changed_outside_footprint"] == 0 for r in rows), "invariant broken"


if __name__ == "__main__":
    main()
