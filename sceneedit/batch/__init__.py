"""``sceneedit batch``: edit a whole dataset, on Ray Data or in a plain loop, resumably.

Nothing here imports Ray at module level; ``run_batch(..., use_ray=True)`` imports it.
"""
from .dataset import read_dataset
from .items import BatchItem, BatchSettings
from .records import OutputStore
from .runner import format_summary, run_batch
from .synthetic import make_synthetic_dataset

__all__ = ["BatchItem", "BatchSettings", "OutputStore", "format_summary",
           "make_synthetic_dataset", "read_dataset", "run_batch"]
