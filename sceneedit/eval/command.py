"""``sceneedit eval``: the command's logic (cli.py only parses the arguments)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InvalidInputError

DEFAULT_SYNTHETIC = 100
ORACLE_LABEL = "oracle: gold plans (measures perception + rendering only)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", nargs="?", help="dataset folder or index file (omit with "
                   "--synthetic N for the synthetic suite)")
    p.add_argument("--layout", default="auto",
                   choices=("auto", "ciebench", "reasonedit", "jsonl", "synthetic"))
    p.add_argument("--synthetic", type=int, metavar="N",
                   help=f"the synthetic suite with N items (default {DEFAULT_SYNTHETIC})")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic suite")
    plan = p.add_mutually_exclusive_group()
    plan.add_argument("--llm", default=None, help="plan with this model: small | default | "
                      "PATH.gguf (default: $SCENEEDIT_LLM, else the best embedded model)")
    plan.add_argument("--oracle-plan", action="store_true",
                      help="use the gold plans (synthetic items only): measures perception "
                      "and rendering alone")
    p.add_argument("--editor", action="store_true", help="run the full Editor (refinement, "
                   "verification, one re-plan on failure) instead of perceive -> plan -> render")
    p.add_argument("--clip", default=None, help="CLIP model folder for the CLIP score (default:"
                   " $SCENEEDIT_CLIP, else openai/clip-vit-large-patch14 if cached)")
    p.add_argument("--protocol-size", type=int, default=256,
                   help="side of the square resize protocol (256: SmartEdit; 512: CIEBench)")
    p.add_argument("--limit", type=int, default=None, help="evaluate the first N items only")
    p.add_argument("-o", "--output", help="write the results JSON here")
    p.add_argument("--write-ciebench", metavar="DIR",
                   help="write the synthetic suite as a CIEBench-layout dataset to DIR and exit")
    p.add_argument("--threads", type=int, default=None, help="LLM threads")
    p.add_argument("--quiet", action="store_true", help="no per-item progress lines")


def _items(args: argparse.Namespace):
    from .dataset import read_dataset
    from .suite import synthetic_items

    synthetic = args.synthetic is not None or args.layout == "synthetic" or \
        args.dataset in (None, "synthetic")
    if synthetic:
        if args.dataset not in (None, "synthetic"):
            raise InvalidInputError("give a DATASET or --synthetic N, not both")
        n = args.synthetic or DEFAULT_SYNTHETIC
        if args.limit:
            n = min(n, args.limit)
        return synthetic_items(n, seed=args.seed), f"synthetic suite (seed {args.seed})", \
            "synthetic"
    items = read_dataset(args.dataset, args.layout)
    from .dataset import detect_layout

    layout = args.layout if args.layout != "auto" else detect_layout(args.dataset)
    return items[:args.limit] if args.limit else items, str(args.dataset), layout


def _edit_fn(args: argparse.Namespace):
    from .pipeline import ClassicalEdit

    if args.oracle_plan:
        return ClassicalEdit(oracle=True, name=ORACLE_LABEL)
    from ..llm.llama import get_llm
    from ..reasoning.planner import Planner

    llm = get_llm(args.llm, n_threads=args.threads)
    model = getattr(llm, "model_path", None)
    if args.editor:
        from ..editor import Editor
        from .editor_edit import EditorEdit

        return EditorEdit(Editor(llm=llm), name=f"Editor ({Path(model).name})" if model
                          else None)
    return ClassicalEdit(Planner(llm), name=f"LLM planner ({Path(model).name})" if model
                         else "LLM planner")


def run(args: argparse.Namespace) -> int:
    from ..perception import ClassicalPerceiver
    from .harness import Scorers, run_eval
    from .learned import load_clip, load_lpips
    from .report import format_table, save_json

    if args.protocol_size < 16:
        raise InvalidInputError(f"--protocol-size must be at least 16, got {args.protocol_size}")
    for flag, value in (("--synthetic", args.synthetic), ("--limit", args.limit)):
        if value is not None and value < 1:  # 0 used to mean "the default": 100 items
            raise InvalidInputError(f"{flag} must be at least 1, got {value}")
    if args.write_ciebench:
        from .builder import write_ciebench
        from .suite import synthetic_items

        n = write_ciebench(synthetic_items(args.synthetic or DEFAULT_SYNTHETIC, seed=args.seed),
                           args.write_ciebench)
        print(f"wrote {n} items in the CIEBench layout to {args.write_ciebench}/"
              f" (benchmark.json, <k>/<k>.png, <k>/<k>_mask.png, <k>/<k>.graph.json)")
        return 0
    items, name, layout = _items(args)
    edit = _edit_fn(args)
    scorers = Scorers(ClassicalPerceiver(), clip=load_clip(args.clip), lpips=load_lpips(),
                      protocol_size=args.protocol_size)

    def progress(i: int, n: int, r) -> None:
        if not args.quiet:
            state = "FAILED " + (r.error or "") if r.failed else (
                "ok" if r.success else "not as expected" if r.success is False else "done")
            print(f"  [{i}/{n}] {r.id}: {state} ({sum(r.seconds.values()):.1f} s)",
                  file=sys.stderr, flush=True)

    report = run_eval(items, edit, scorers, meta={"dataset": name, "layout": layout,
                                                  "planning": edit.name}, progress=progress)
    print(format_table(report))
    if args.output:
        save_json(report, args.output)
        print(f"\nwrote {args.output}")
    return 0
