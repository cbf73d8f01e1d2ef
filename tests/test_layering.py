"""Imports flow one way: core <- perception, reasoning, llm <- editor, eval, batch, cli.

Every ``import`` / ``from ... import`` in ``sceneedit/`` is parsed with ``ast`` - module-level
and lazy ones inside functions alike - and checked against the rules below. A failure lists
each violating import as ``module:line -> imported module``.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sceneedit"

CORE = ("scene", "plan", "alternatives", "ops", "bricks", "workflow", "compiler", "plugins")
UPPER = ("editor", "eval", "batch", "cli", "cli_alternatives", "demo")
# (importer prefixes, forbidden imported prefixes, why)
RULES: list[tuple[tuple[str, ...], tuple[str, ...], str]] = [
    (CORE, ("perception", "reasoning", "llm", "synthetic", "weights.status", *UPPER),
     "the core knows no perception, reasoning, synthetic domain or front end"),
    (("perception.needs", "perception.graph_update", "perception.vocabulary"), ("synthetic",),
     "generic perception never imports the synthetic domain's categories"),
    (("weights",), ("scene", "plan", "bricks", "workflow", "compiler", "perception",
                    "reasoning", "llm", "synthetic", "diffusion", *UPPER),
     "the weights layer sits under everything that loads a model"),
    (("perception", "reasoning", "llm", "synthetic", "diffusion"), UPPER,
     "perception, reasoning, the LLM runtime and the synthetic domain serve the front ends"),
    (("perception", "synthetic"), ("reasoning", "llm"),
     "perception and the synthetic domain do not depend on the planner"),
    (("synthetic",), ("perception",), "the synthetic generator's ground truth needs no perceiver"),
    (("llm",), ("reasoning", "perception", "synthetic", *CORE),
     "the LLM runtime runs a model; what to ask it is reasoning's business"),
]
# Known violations, each with its reason; the test fails when one is fixed (remove it here).
ALLOWED: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = PACKAGE.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def internal_imports() -> list[tuple[str, int, str]]:
    """(importing module, line, imported module) for every import of a sceneedit module,
    names relative to the package ("perception.needs")."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".") if package else []
                    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                    target = ".".join([*base, *([node.module] if node.module else [])])
                elif (node.module or "").startswith("sceneedit"):
                    target = node.module.removeprefix("sceneedit").lstrip(".")
                else:
                    continue
                # `from . import x` / `from .pkg import mod`: a name may be a module.
                subs = [f"{target}.{a.name}".lstrip(".") for a in node.names]
                subs = [t for t in subs if _is_module(t) or not target]
                out += [(module, node.lineno, t) for t in (subs or [target]) if t]
            elif isinstance(node, ast.Import):
                out += [(module, node.lineno, a.name.removeprefix("sceneedit").lstrip("."))
                        for a in node.names if a.name.split(".")[0] == "sceneedit"]
    return out


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations() -> list[str]:
    found = []
    for module, line, target in internal_imports():
        for importers, forbidden, why in RULES:
            if _under(module, importers) and _under(target, forbidden) \
                    and (module, target) not in ALLOWED:
                found.append(f"sceneedit/{module.replace('.', '/')}:{line} -> {target} ({why})")
    return sorted(set(found))


def test_imports_flow_one_way() -> None:
    bad = violations()
    assert not bad, "layering violations:\n" + "\n".join(bad)


def test_allowed_exceptions_still_exist() -> None:
    present = {(m, t) for m, _, t in internal_imports()}
    stale = [pair for pair in ALLOWED if pair not in present]
    assert not stale, f"fixed, remove from ALLOWED: {stale}"


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    from ..synthetic.categories import ALIASES\n", "synthetic.categories"),
    ("import sceneedit.reasoning.planner\n", "reasoning.planner"),
    ("from sceneedit import editor\n", "editor"),
])
def test_the_parser_sees_lazy_and_absolute_imports(tmp_path, monkeypatch, source, expected):
    """The checker itself: a lazy import inside a function in a core module is a violation."""
    fake = tmp_path / "sceneedit"
    (fake / "scene").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "scene" / "__init__.py").write_text("")
    (fake / "scene" / "bad.py").write_text(source)
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    assert any(t == expected or t.startswith(expected) for _, _, t in internal_imports())
    assert any("sceneedit/scene/bad:" in v for v in violations())
