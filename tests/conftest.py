from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    # shared/ lives beside the checkout (../shared); CI clones with shared/ next to it too.
    for cand in (ROOT.parent / "shared", ROOT / "shared"):
        if (cand / "examples").is_dir():
            return cand
    pytest.skip("shared/examples not found beside the checkout")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return _shared()


@pytest.fixture(scope="session")
def kitchen_graph_text(shared_dir: Path) -> str:
    return (shared_dir / "examples" / "kitchen.graph.json").read_text()


@pytest.fixture(scope="session")
def kitchen_plan_text(shared_dir: Path) -> str:
    return (shared_dir / "examples" / "kitchen.plan.json").read_text()
