"""Model weights: one table of every model (``table``), one resolver (``resolve``), one
missing-weights message (``messages``), the model cache of embedded models (``parts``), and
what ``sceneedit models`` shows (``status``). Imports nothing heavy."""
from .messages import how_to_get, missing_weights
from .resolve import Resolved, resolve
from .status import ModelStatus, list_models
from .table import ENTRIES, TIERS, ModelTier, WeightEntry, get_entry

__all__ = ["ENTRIES", "TIERS", "ModelStatus", "ModelTier", "Resolved", "WeightEntry",
           "get_entry", "how_to_get", "list_models", "missing_weights", "resolve"]
