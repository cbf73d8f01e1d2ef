"""The local LLM runtime: the ``LLM`` protocol (``api``), its llama.cpp backend (``llama``:
``get_llm`` shares one loaded model per process), which GGUF to run (``models.resolve_model``,
over the model table of ``sceneedit.weights``), persisted KV prefix states (``prefix_state``)
and a tiny random GGUF for tests (``tiny_gguf``). llama_cpp is imported lazily.

    from sceneedit.llm import get_llm
    llm = get_llm("small")
"""
from .api import LLM
from .llama import LlamaCppLLM, get_llm
from .models import resolve_model

__all__ = ["LLM", "LlamaCppLLM", "get_llm", "resolve_model"]
