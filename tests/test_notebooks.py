"""Every notebook in notebooks/ executes top to bottom on the embedded default.

Notebooks that plan with the LLM say so in their metadata (``{"sceneedit": {"needs_llm":
true}}``); they are skipped, with the reason, where no embedded model (or no llama.cpp) is
installed. Planning a compound instruction with the 1.5B model on a busy 2-core machine takes
minutes, hence the generous per-cell timeout.
"""
import importlib.util
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 1800


def llm_unavailable() -> str | None:
    """Why the notebooks' LLM cannot run here, or None when it can."""
    if importlib.util.find_spec("llama_cpp") is None:
        return "llama-cpp-python is not installed (pip install 'sceneedit[llm]')"
    from sceneedit.errors import MissingWeightsError
    from sceneedit.llm.models import resolve_model

    try:
        resolve_model(progress=False)   # what get_llm() with no argument will load
    except MissingWeightsError as exc:
        return f"no embedded LLM: {exc}"
    return None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    if nb.metadata.get("sceneedit", {}).get("needs_llm") and (why := llm_unavailable()):
        pytest.skip(f"{path.name} plans with the embedded LLM; {why}")
    nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("text/html" in o.get("data", {}) for o in outputs)  # graphs and traces render
