"""The evaluation harness: ``sceneedit eval`` (see docs/eval.md).

Datasets in the field's layouts (``dataset``) and the synthetic suite (``suite``); metrics of
preservation, localisation, edit success and CLIP score (``metrics``, ``expected``,
``learned``); a run over any ``EditFn`` (``pipeline``, ``harness``); the table and JSON
(``report``); dataset writers (``builder``).

Names are imported on first use, so that the CLI can read ``command``'s arguments without
loading numpy and the rest (``sceneedit --help`` stays instant).
"""
from importlib import import_module

_EXPORTS = {
    "ClassicalEdit": "pipeline", "EditFn": "pipeline", "EditOutcome": "pipeline",
    "EvalItem": "dataset", "GoldPlan": "dataset", "read_dataset": "dataset",
    "EvalReport": "harness", "ItemResult": "harness", "Scorers": "harness",
    "run_eval": "harness", "synthetic_items": "suite", "format_table": "report",
    "save_json": "report", "write_ciebench": "builder",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
