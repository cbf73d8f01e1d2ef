"""The op registry: one ``@op`` declaration per op drives the plan union, the compiler, the
verification, eval's expectations, the planner's schema and docs, and the reasoning lexicon."""
import ast
import json
from pathlib import Path
from typing import ClassVar, Literal

import pytest

from sceneedit.ops import OP_REGISTRY, EditBase, Lexicon, OpRegistry, op
from sceneedit.plan import EDIT_TYPES, OPS, parse_edit
from sceneedit.reasoning.intent import clause_ops
from sceneedit.reasoning.prompt import edit_docs
from sceneedit.reasoning.schema import plan_schema
from sceneedit.reasoning.slots import slots

ROOT = Path(__file__).resolve().parents[1]
# The schemas and docs of the eight ops that existed before the registry, written by the code
# before it (tests/data/op_schemas_before_registry.json): moving them onto @op changed nothing.
BEFORE = json.loads((ROOT / "tests/data/op_schemas_before_registry.json").read_text())


def test_every_op_module_registers_one_op_and_the_plan_vocabulary_follows():
    modules = {p.stem for p in (ROOT / "sceneedit/ops").glob("*.py")} - {
        "__init__", "registry", "builder", "checks", "expect"}
    assert set(OPS) == modules
    assert OPS[:8] == tuple(BEFORE["ops"])   # the existing ops keep their order
    assert EDIT_TYPES == tuple(OP_REGISTRY.get(name).model for name in OPS)
    for spec in OP_REGISTRY:
        assert spec.model.model_fields["op"].default == spec.name
        assert spec.doc, f"op {spec.name} has no docstring for the planner's docs"


def test_existing_ops_decode_with_the_same_schema_and_docs_as_before():
    ids = ["o1", "o2", "o3"]
    assert plan_schema(ids, BEFORE["ops"]) == BEFORE["plan_schema"]
    narrowed = plan_schema(ids, ["remove", "replace", "add"], ["o1"],
                           slots("replace the mug with a red lamp"), ["o2"], None, ["o3"], ["o2"])
    assert narrowed == BEFORE["narrowed"]
    docs = [line for line in edit_docs().splitlines() if line.startswith("- ")]
    assert docs[:8] == BEFORE["edit_docs"]
    assert len(docs) == len(OPS)


def test_an_op_is_declared_on_its_model_and_checked():
    reg = OpRegistry()

    def nothing(*args):
        return []

    @op("blur", compile=nothing, verify=nothing, expect=nothing, registry=reg,
        lexicon=Lexicon(patterns=(r"\bblur\b",)))
    class BlurEdit(EditBase):
        """Blur the target."""
        op: Literal["blur"] = "blur"
        target: str
        id_fields: ClassVar[tuple[str, ...]] = ("target",)

    assert reg.names == ("blur",) and reg.of(BlurEdit(target="o1")).name == "blur"
    assert "blur" not in OP_REGISTRY   # a private registry leaves the real one alone
    with pytest.raises(ValueError, match="already registered"):
        op("blur", compile=nothing, verify=nothing, expect=nothing, registry=reg)(BlurEdit)
    with pytest.raises(TypeError, match="must declare"):
        op("sharpen", compile=nothing, verify=nothing, expect=nothing, registry=reg)(BlurEdit)


def test_the_reasoning_lexicon_comes_from_the_declarations():
    # an op's overrides: "replace X with a red Y" names a colour but is no recolour
    assert "recolor" in OP_REGISTRY.get("replace").lexicon.overrides
    assert clause_ops("replace the mug with a red lamp") == {"replace"}
    # an op's unless: "move it to the left half" is no resize
    assert clause_ops("move the mug to the left half") == {"move"}
    assert clause_ops("make the mug half as big") == {"resize"}
    with pytest.raises(Exception, match="unknown op 'teleport'"):
        parse_edit({"op": "teleport", "target": "o1"})


def test_ops_are_core_and_import_no_higher_layer():
    for path in (ROOT / "sceneedit/ops").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level >= 2:
                top = (node.module or "").split(".")[0]
                assert top not in ("perception", "reasoning", "editor", "synthetic", "eval",
                                   "batch", "cli"), f"{path.name} imports {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert not (node.module or "").startswith(("sceneedit.perception",
                                                           "sceneedit.reasoning")), path.name


@pytest.mark.parametrize("first", ["sceneedit.plan", "sceneedit.ops", "sceneedit.bricks",
                                   "sceneedit.workflow.executor", "sceneedit.compiler"])
def test_every_op_is_in_the_plan_whatever_is_imported_first(first):
    # op modules declare bricks and the bricks package imports the ops: a module the plan
    # imports must never import the plan back, or the union would miss the ops not yet loaded
    import subprocess
    import sys

    code = (f"import {first}; import pathlib, sceneedit.ops as o; from sceneedit.plan import "
            "OPS; from sceneedit.bricks import REGISTRY; mods = {p.stem for p in "
            "pathlib.Path(o.__file__).parent.glob('*.py')} - {'__init__', 'registry', "
            "'builder', 'checks', 'expect'}; print(sorted(OPS) == sorted(mods), len(REGISTRY))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split()[0] == "True", r.stdout + r.stderr
