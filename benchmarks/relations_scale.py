"""Derived relations and the LLM's graph text at scale: 1,000 / 2,000 / 10,000 objects.

Times ``derive_relations`` now against the all-pairs algorithm it replaced (read from git, by
default ``main``, and loaded beside the current one: nothing of it is kept in the package),
checks that both give the same relations on graphs of up to ``NEAREST_K + 1`` objects and the
same contact/near/depth relations on the big ones, and measures time and peak memory
(tracemalloc) of the graph text and of the planner's prompt on a 10,000-object graph (the
prompt is built, no model runs).

    PYTHONPATH=. python benchmarks/relations_scale.py             # the table; old up to 2,000
    PYTHONPATH=. python benchmarks/relations_scale.py --old-max 10000 --baseline main
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import tracemalloc
import types
from pathlib import Path

import numpy as np

from sceneedit.masks import RLE
from sceneedit.scene import relations as new
from sceneedit.scene.model import ImageInfo, SceneGraph, SceneObject

LABELS = ("cup", "book", "apple", "lamp", "plate", "vase", "box", "shoe", "ball", "pen", "mug",
          "chair", "bottle", "bowl", "phone", "clock")
COLORS = ("red", "blue", "green", "white", "black", "yellow", "gray", "brown", "pink", "orange")
DIRECTIONS = ("left_of", "above")


def old_relations_module(ref: str) -> types.ModuleType:
    """The relations module as it is at git ``ref``, loaded as a sibling of the current one."""
    root = Path(__file__).resolve().parents[1]
    src = subprocess.run(["git", "show", f"{ref}:sceneedit/scene/relations.py"], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    mod = types.ModuleType("sceneedit.scene._relations_baseline")
    mod.__package__ = "sceneedit.scene"
    exec(compile(src, f"{ref}:sceneedit/scene/relations.py", "exec"), mod.__dict__)
    return mod


def make_graph(n: int, seed: int, masks: int = 0) -> SceneGraph:
    """``n`` objects scattered over an image that grows with n (about 40 objects per
    megapixel, like a dense photo, up to 5600x4200, under the default image limit; there the
    boxes shrink to keep the same coverage), boxes of 15..120 px, some with depth; the first
    ``masks`` objects get an elliptical mask as well."""
    rng = np.random.default_rng(seed)
    wanted = int(np.sqrt(n / 40) * 1000) + 200
    side = min(wanted, 5600)
    w, h = side, side * 3 // 4
    objects = []
    for i in range(n):
        bw, bh = (rng.integers(15, 120, 2) * side) // wanted
        x0, y0 = int(rng.integers(0, w - bw)), int(rng.integers(0, h - bh))
        mask = None
        if i < masks:
            yy, xx = np.ogrid[:bh, :bw]
            m = np.zeros((h, w), dtype=bool)
            m[y0:y0 + bh, x0:x0 + bw] = ((xx + 0.5 - bw / 2) / (bw / 2)) ** 2 + \
                ((yy + 0.5 - bh / 2) / (bh / 2)) ** 2 <= 1
            mask = RLE.from_array(m)
            del m
        objects.append(SceneObject(
            id=f"o{i + 1}", label=str(rng.choice(LABELS)), box=[x0, y0, x0 + int(bw),
                                                               y0 + int(bh)],
            score=round(float(rng.uniform(0.3, 1.0)), 3), mask=mask,
            attributes={"color": str(rng.choice(COLORS))},
            depth=round(float(rng.uniform(0, 1)), 3) if i % 3 == 0 else None))
    graph = SceneGraph(image=ImageInfo(width=w, height=h), objects=objects)
    # as `plan --graph` reads it: from JSON, no decoded masks cached in memory
    return SceneGraph.from_json(graph.to_json()) if masks else graph


def facts(rels) -> set[tuple[str, str, str]]:
    return {(r.subject, r.predicate, r.object) for r in rels}


def timed(fn, repeats: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of ``repeats`` calls (CPU time: the machine may be shared)."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu), out


def peak(fn) -> tuple[float, float, object]:
    """(seconds, peak MB of Python + numpy allocations, result) of one call."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t0
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, top / 1e6, out


def check_small(old: types.ModuleType, graphs: int = 40) -> None:
    """Every relation the same on graphs the neighbour bound does not touch (masks included)."""
    for seed in range(graphs):
        g = make_graph(int(np.random.default_rng(seed).integers(2, new.NEAREST_K + 2)), seed,
                       masks=4 if seed % 2 else 0)
        assert facts(old.derive_relations(g)) == facts(new.derive_relations(g)), seed
    print(f"same relations as the baseline on {graphs} graphs of 2..{new.NEAREST_K + 1} objects")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 10000])
    ap.add_argument("--old-max", type=int, default=2000,
                    help="run the all-pairs baseline up to this many objects (it is quadratic)")
    ap.add_argument("--baseline", default="main", help="git ref of the baseline algorithm")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    old = old_relations_module(args.baseline)
    check_small(old)
    print(f"\n| objects | baseline ({args.baseline}) s (cpu s) | now s (cpu s) | speed-up (cpu) | "
          "relations before | relations now | contact/near/depth equal |")
    print("|---:|---:|---:|---:|---:|---:|:---:|")
    for n in args.sizes:
        g = make_graph(n, seed=n)
        t_new, c_new, rel_new = timed(lambda: new.derive_relations(g), args.repeats)
        now = f"{t_new:.2f} ({c_new:.2f})"
        if n <= args.old_max:
            t_old, c_old, rel_old = timed(lambda: old.derive_relations(g), 1)
            a, b = facts(rel_old), facts(rel_new)
            local = {f for f in a if f[1] not in DIRECTIONS}
            same = local == {f for f in b if f[1] not in DIRECTIONS} and b <= a
            print(f"| {n:,} | {t_old:.2f} ({c_old:.2f}) | {now} | {c_old / c_new:.0f}x | "
                  f"{len(a):,} | {len(b):,} | {'yes' if same else 'NO'} |", flush=True)
        else:
            print(f"| {n:,} | not run | {now} | - | - | {len(rel_new):,} | - |", flush=True)

    from sceneedit.reasoning.prompt import build_messages

    n = max(args.sizes)
    g = make_graph(n, seed=n, masks=min(n, 200))
    print(f"\n{n:,}-object graph ({g.image.width}x{g.image.height}, 200 with masks), "
          "no stored relations:\n")
    print("| step | seconds | peak MB (tracemalloc) | size |")
    print("|---|---:|---:|---:|")
    s, mb, text = peak(lambda: g.to_text())
    print(f"| graph text (`to_text`) | {s:.2f} | {mb:.0f} | {len(text):,} chars |")
    s, mb, msgs = peak(lambda: build_messages(g, "Remove the red cup next to the lamp."))
    print(f"| plan prompt (`build_messages`) | {s:.2f} | {mb:.0f} | "
          f"{sum(len(m['content']) for m in msgs):,} chars |")
    s, mb, rels = peak(lambda: g.with_derived_relations())
    print(f"| all relations (`with_derived_relations`) | {s:.2f} | {mb:.0f} | "
          f"{len(rels.relations):,} relations |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
