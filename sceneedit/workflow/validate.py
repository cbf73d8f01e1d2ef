"""Checking a workflow before anything runs: every error names the node at fault."""
from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from typing import Any

from ..bricks.registry import REGISTRY, BrickRegistry, PortType, check_value
from ..errors import SceneEditError, WorkflowError
from .model import INPUT, Node, Workflow, as_ref


def _port_type(workflow: Workflow, node_types: dict[str, dict[str, PortType]], ref, where: str
               ) -> PortType:
    if ref.source == INPUT:
        if ref.port not in workflow.inputs:
            raise WorkflowError(where, f"reference {ref.ref!r}: the workflow has no input "
                                f"{ref.port!r} (inputs: {', '.join(workflow.inputs) or 'none'})")
        return PortType(workflow.inputs[ref.port])
    if ref.source not in node_types:
        raise WorkflowError(where, f"dangling reference {ref.ref!r}: no node {ref.source!r}")
    outs = node_types[ref.source]
    if ref.port not in outs:
        raise WorkflowError(where, f"reference {ref.ref!r}: node {ref.source!r} has no output "
                            f"{ref.port!r} (outputs: {', '.join(outs)})")
    return outs[ref.port]


def _check_node(node: Node, workflow: Workflow, registry: BrickRegistry,
                node_types: dict[str, dict[str, PortType]]) -> set[str]:
    """Check one node's brick and inputs; return the node ids it depends on."""
    try:
        spec = registry.get(node.brick)
        deps: set[str] = set()
        for name, value in node.inputs.items():
            port = spec.input(name)
            ref = as_ref(value)
            if ref is None:
                if not port.type.literal:
                    raise WorkflowError(node.id, f"input {name!r} ({port.type.value}) must be a "
                                        'reference like {"ref": "input.image"}, not a literal')
                problem = port.check(value)
                if problem:
                    raise WorkflowError(node.id, f"input {name!r}: {problem}")
                continue
            got = _port_type(workflow, node_types, ref, node.id)
            if got is not port.type:
                raise WorkflowError(node.id, f"input {name!r} expects {port.type.value} but "
                                    f"{ref.ref!r} is {got.value}")
            if ref.source != INPUT:
                deps.add(ref.source)
        missing = [p.name for p in spec.inputs if p.required and p.name not in node.inputs]
        if missing:
            raise WorkflowError(node.id, f"missing required input(s) {missing} of brick "
                                f"{spec.name!r}")
        return deps
    except WorkflowError:
        raise
    except SceneEditError as exc:
        raise WorkflowError(node.id, str(exc)) from None


def validate_workflow(workflow: Workflow, registry: BrickRegistry = REGISTRY,
                      provided: dict[str, Any] | None = None) -> list[str]:
    """Validate and return node ids in execution (topological) order.

    Checks: input declarations, duplicate ids, unknown bricks and ports, literal values, port type
    mismatches, dangling references, cycles, outputs, and that a workflow which changes pixels
    declares a ``footprint`` (the preservation invariant needs one). With ``provided`` (the run's
    input values) it also checks that each declared input is given with the right type.
    """
    for name, tname in workflow.inputs.items():
        if tname not in PortType._value2member_map_:
            raise WorkflowError(None, f"workflow input {name!r} has unknown type {tname!r} "
                                f"(types: {', '.join(t.value for t in PortType)})")
    node_types: dict[str, dict[str, PortType]] = {}
    for node in workflow.nodes:
        if node.id == INPUT or node.id in node_types:
            raise WorkflowError(node.id, "duplicate or reserved node id")
        if node.brick in registry:  # unknown bricks are reported by _check_node
            node_types[node.id] = {p.name: p.type for p in registry.get(node.brick).outputs}
        else:
            node_types[node.id] = {}
    deps = {n.id: _check_node(n, workflow, registry, node_types) for n in workflow.nodes}
    try:
        order = list(TopologicalSorter(deps).static_order())
    except CycleError as exc:
        cycle = exc.args[1]
        raise WorkflowError(cycle[0], f"cycle: {' -> '.join(cycle)}") from None
    if "image" not in workflow.outputs:
        raise WorkflowError(None, "the workflow declares no 'image' output")
    for name, ref in workflow.outputs.items():
        _port_type(workflow, node_types, ref, f"outputs.{name}")
    edits = [n.id for n in workflow.nodes if registry.get(n.brick).changes_pixels]
    if edits and "footprint" not in workflow.outputs:
        raise WorkflowError(edits[0], "changes pixels but the workflow declares no 'footprint' "
                            "output to confine the change")
    if edits and "image" not in workflow.inputs:
        raise WorkflowError(None, "a workflow that edits pixels needs an 'image' input")
    if provided is not None:
        absent = [k for k in workflow.inputs if k not in provided]
        if absent:
            raise WorkflowError(None, f"run inputs missing: {absent}")
        for name, tname in workflow.inputs.items():
            problem = check_value(PortType(tname), provided[name])
            if problem:
                raise WorkflowError(f"{INPUT}.{name}", problem)
    return order
