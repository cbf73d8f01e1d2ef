"""Where the Hugging Face cache is, for messages that tell users where to put weights. Shared
by every backend that resolves models through the cache (LLM GGUFs, vision models)."""
from __future__ import annotations

import os
from pathlib import Path


def hf_cache_dir() -> str:
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except ImportError:
        home = os.environ.get("HF_HOME", str(Path.home() / ".cache" / "huggingface"))
        return os.environ.get("HF_HUB_CACHE", os.path.join(home, "hub"))
