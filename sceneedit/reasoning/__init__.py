"""Local reasoning: a llama.cpp LLM reads the scene graph as text and emits explicit atomic
edits as a validated Plan (grammar-constrained decoding, validation, bounded repair).

    from sceneedit.reasoning import Planner, get_llm
    result = Planner(get_llm("small")).plan(graph, "Remove the kettle.")
"""
from .constraints import Constraints
from ..llm.llama import LLM, LlamaCppLLM, get_llm
from .planner import Planner, PlanResult

__all__ = ["LLM", "Constraints", "LlamaCppLLM", "PlanResult", "Planner", "get_llm"]
