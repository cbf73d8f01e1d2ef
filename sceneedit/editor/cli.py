"""``sceneedit edit IMAGE "INSTRUCTION" -o OUT.png``: the command behind ``cli.cmd_edit``.

One progress line per stage goes to stderr; the outcome (and, with ``--explain``, the graph,
the reasoning and edits, the workflow trace and the verification) to stdout. Exit status: 0
verified, 1 rendered but not verified (the image is still written, and says so), 2 an error
or an instruction that cannot be planned (nothing is written).
"""
from __future__ import annotations

import argparse
import sys


PLACEHOLDER_HELP = ("on a photo without a diffusion model, draw classical placeholder content "
                    "(flat clip-art) for replace / add / restyle instead of refusing; the "
                    "output says so")


def _progress(stage: str, message: str) -> None:
    if message != "start":
        print(f"  [{stage}] {message}", file=sys.stderr, flush=True)


def _numbers(n: int, flag: str):
    """An argparse type: ``n`` comma-separated numbers (pixels)."""
    def parse(text: str) -> list[float]:
        try:
            vals = [float(v) for v in text.split(",")]
        except ValueError:
            vals = []
        if len(vals) != n:
            raise argparse.ArgumentTypeError(f"{flag} takes {n} comma-separated numbers, "
                                             f"got {text!r}")
        return vals
    return parse


def run_edit(args: argparse.Namespace) -> int:
    from ..cli import _print_warnings
    from ..errors import SceneEditError
    from ..io import image_writer, load_image
    from ..outputs import Outputs
    from .editor import Editor

    outputs = Outputs({"IMAGE": args.image, "--mask": args.mask, "--graph": args.graph},
                      overwrite_input=getattr(args, "overwrite_input", False))
    outputs.add("-o", args.output, image=True)
    outputs.add("--save-plan", args.save_plan)
    image = load_image(args.image)
    # transparent = not selected, so a mask's alpha is composited on black
    mask = load_image(args.mask, background=(0, 0, 0)).any(axis=2) if args.mask else None
    graph = None
    if args.graph:
        from ..scene import SceneGraph

        graph = SceneGraph.load(args.graph)
        graph.check_matches(image)
    editor = Editor(llm=args.llm, n_threads=args.threads, seed=args.seed,
                    replan_on_failure=not args.no_replan, placeholder=args.placeholder,
                    files=getattr(args, "op_files", None))
    with _print_warnings("edit"):  # e.g. placeholder content, one line each
        result = editor.edit(image, args.instruction, mask=mask, feedback=args.feedback,
                             graph=graph, progress=_progress, box=args.box,
                             points=args.click or ())
    if args.explain:
        print(result.explain())
    if result.status == "unresolved":
        raise SceneEditError(f"nothing written: {result.message}")
    outputs.write({"-o": image_writer(args.output, result.image),
                   "--save-plan": result.plan.model_copy(update={"graph": result.graph}).to_json()
                   + "\n"})
    changed = int((result.image != image).any(axis=2).sum())
    print(f"{result.status}: {result.message}; {len(result.plan.edits)} edit(s), {changed} "
          f"pixels changed inside a {int(result.footprint.sum())}-pixel footprint -> "
          f"{args.output}")
    from ..cli_alternatives import print_alternatives

    how = (f"sceneedit render {args.save_plan} --image {args.image} -o {args.output} "
           if args.save_plan else "add --save-plan PLAN.json, then sceneedit render PLAN.json "
           f"--image {args.image} -o OUT.png ")
    print_alternatives(result.plan, result.graph, how + "--choose {choose}")
    return 0 if result.ok else 1


def add_parser(sub) -> None:
    e = sub.add_parser("edit", help="edit an image from an instruction: perceive, plan (local "
                       "LLM), render, verify")
    e.add_argument("image")
    e.add_argument("instruction")
    e.add_argument("-o", "--output", required=True, help="edited image (.png)")
    e.add_argument("--llm", default=None, help="small | default | PATH.gguf | hf:ORG/REPO/FILE."
                   "gguf (default: $SCENEEDIT_LLM, else the best embedded model installed)")
    e.add_argument("--explain", action="store_true",
                   help="print the scene graph, the reasoning and edits, the workflow trace and "
                   "the verification")
    e.add_argument("--save-plan", help="write the plan (with its graph) as JSON here")
    e.add_argument("--feedback", help="feedback for the planner, e.g. \"don't use recolor\"")
    e.add_argument("--mask", help="image whose non-zero pixels mark where to edit")
    e.add_argument("--box", type=_numbers(4, "--box"), metavar="X0,Y0,X1,Y1",
                   help="a box around the object to edit (shaped into its mask: SAM when "
                   "configured, else GrabCut)")
    e.add_argument("--click", type=_numbers(2, "--click"), action="append", metavar="X,Y",
                   help="a point on the object to edit (repeatable; with --box, inside it)")
    e.add_argument("--graph", help="scene graph JSON of the image (skips perception); objects "
                   "with a box and no mask get a shaped mask")
    e.add_argument("--no-replan", action="store_true",
                   help="do not re-plan when verification fails")
    e.add_argument("--placeholder", action="store_true", help=PLACEHOLDER_HELP)
    e.add_argument("--threads", type=int, default=None)
    e.add_argument("--seed", type=int, default=0)
    from ..cli import add_op_files

    add_op_files(e.add_argument_group("files ops read"))
