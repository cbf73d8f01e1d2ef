from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Prefix KV states the planner persists go to a throw-away folder, not the user's cache.
os.environ["SCENEEDIT_PREFIX_CACHE"] = tempfile.mkdtemp(prefix="sceneedit-prefix-")

ROOT = Path(__file__).resolve().parents[1]
# The interchange examples ship in the repository (examples/); they are copies of
# shared/examples, which a test checks when shared/ is beside the checkout.
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="session")
def kitchen_graph_text() -> str:
    return (EXAMPLES / "kitchen.graph.json").read_text()


@pytest.fixture(scope="session")
def kitchen_plan_text() -> str:
    return (EXAMPLES / "kitchen.plan.json").read_text()
