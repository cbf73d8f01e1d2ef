"""Time and peak memory of ``sceneedit graph`` (classical perceiver) against image size.

Justifies ``image_decode.DEFAULT_MAX_PIXELS``. A seeded synthetic scene (512x384) is scaled up
(nearest neighbour, so objects stay whole and the graph stays the same kind of work) to each
size, written as PNG, and ``python -m sceneedit graph IMAGE --out G.json`` runs in a fresh
process with ``SCENEEDIT_MAX_PIXELS`` above the size; its wall time and peak resident memory
(``wait4`` rusage of that one child) are recorded. Sizes are interleaved across repeats so the
machine's load falls on all of them alike. Reports medians, bytes of peak memory per pixel, and
seconds per megapixel; ratios are against the native 0.2 MP scene measured in the same run.
Writes benchmarks/results/image_limits.json.

    python benchmarks/image_limits.py [--sizes 4,16,25,36,64] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "image_limits.json"
REPO = Path(__file__).resolve().parent.parent


def _scene_at(megapixels: float, folder: Path, seed: int) -> tuple[Path, int]:
    from PIL import Image

    from sceneedit.synthetic import generate_scene

    scene = generate_scene(seed)
    base = Image.fromarray(scene.image)
    scale = (megapixels * 1e6 / (base.width * base.height)) ** 0.5
    size = (max(1, round(base.width * scale)), max(1, round(base.height * scale)))
    path = folder / f"scene_{megapixels:g}mp.png"
    base.resize(size, Image.NEAREST).save(path, compress_level=1)
    return path, size[0] * size[1]


def _env() -> dict[str, str]:
    return {**os.environ, "SCENEEDIT_MAX_PIXELS": str(10**10), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def _graph_run(image: Path, out: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS bytes, exit code) of one ``sceneedit graph`` process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "sceneedit", "graph", str(image), "--out",
                             str(out)], env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss * 1024, proc.returncode  # ru_maxrss is in KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,16,25,36,64", help="megapixels, comma-separated")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--make", nargs=2, metavar=("MP", "DIR"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make:  # the child that writes one scaled scene
        path, n = _scene_at(float(args.make[0]), Path(args.make[1]), args.seed)
        print(path, n)
        return
    sizes = [0.0] + [float(s) for s in args.sizes.split(",")]  # 0: the native scene, baseline

    runs: dict[float, list[tuple[float, int]]] = {s: [] for s in sizes}
    pixels: dict[float, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        images = {}
        for s in sizes:  # in a child: the parent's memory would count in each graph's peak
            made = subprocess.run([sys.executable, __file__, "--make", str(s or 512 * 384 / 1e6),
                                   str(folder), "--seed", str(args.seed)], env=_env(),
                                  check=True, capture_output=True, text=True).stdout.split()
            images[s], pixels[s] = Path(made[0]), int(made[1])
        for r in range(args.repeats):
            for s in sizes:
                seconds, rss, code = _graph_run(images[s], folder / "graph.json")
                if code != 0:
                    raise SystemExit(f"graph failed (exit {code}) at {pixels[s]} pixels")
                runs[s].append((seconds, rss))
                print(f"  repeat {r + 1}: {pixels[s] / 1e6:6.2f} MP  {seconds:6.1f} s  "
                      f"{rss / 2**30:5.2f} GiB", file=sys.stderr, flush=True)

    base_s = statistics.median(t for t, _ in runs[0.0])
    base_rss = statistics.median(m for _, m in runs[0.0])
    rows = []
    for s in sizes:
        sec = statistics.median(t for t, _ in runs[s])
        rss = statistics.median(m for _, m in runs[s])
        rows.append({"megapixels": round(pixels[s] / 1e6, 2), "seconds": round(sec, 2),
                     "peak_rss_gib": round(rss / 2**30, 3),
                     "bytes_per_pixel_above_baseline":
                         round((rss - base_rss) / (pixels[s] - pixels[0.0]), 1) if s else None,
                     "time_ratio": round(sec / base_s, 1), "rss_ratio": round(rss / base_rss, 1)})
    print(f"sceneedit graph (classical), median of {args.repeats}; ratios vs the native scene")
    print("| MP | seconds | peak RSS GiB | bytes/pixel above baseline | time x | RSS x |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        bpp = row["bytes_per_pixel_above_baseline"]
        print(f"| {row['megapixels']} | {row['seconds']} | {row['peak_rss_gib']} | "
              f"{'-' if bpp is None else bpp} | {row['time_ratio']} | {row['rss_ratio']} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": platform.platform(), "cpus": os.cpu_count(),
                                   "repeats": args.repeats, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
