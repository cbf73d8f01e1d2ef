"""The README's Python examples run as written (those that need an LLM model are skipped)."""
import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_examples_run():
    assert BLOCKS
    namespace: dict = {}
    ran = 0
    for block in BLOCKS:
        if "get_llm(" in block or "@brick(" in block or "# needs: llm" in block:
            continue  # needs a real model / would register a demo brick globally
        exec(compile(block, "README.md", "exec"), namespace)
        ran += 1
    assert ran >= 1
