"""What the planner needs from a language model (``LLM``), and the counters a backend keeps.
Kept apart from the llama.cpp backend so the planner and its tests depend only on this."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol, Union, runtime_checkable

Message = Mapping[str, str]
Prompt = Union[str, Sequence[Message]]

# Fallback when a GGUF has no chat template; the Qwen models this project ships use ChatML.
CHATML = (
    "{% for message in messages %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@runtime_checkable
class LLM(Protocol):
    """What the planner needs from a language model."""

    def format_chat(self, messages: Sequence[Message], add_generation_prompt: bool = True) -> str:
        """Render chat messages to the model's prompt text (byte-identical for equal input)."""
        ...

    def generate_json(self, prompt: Prompt, schema: Mapping[str, Any], max_tokens: int = 512,
                      temperature: float = 0.0, seed: int = 0) -> str:
        """Text that follows ``schema``'s grammar (a str prompt is used verbatim, messages are
        chat-formatted). Truncated, hence invalid, if ``max_tokens`` is reached."""
        ...

    def score(self, prefix: str, continuations: Sequence[str]) -> list[float]:
        """Total log-likelihood (nats) of each continuation right after ``prefix``."""
        ...


@dataclass
class LLMStats:
    """Cumulative counters (``LlamaCppLLM.stats``) or one call's (``LlamaCppLLM.last``)."""

    load_seconds: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0  # prompt tokens submitted
    prompt_tokens_evaluated: int = 0  # ... of which run through the model
    prompt_tokens_reused: int = 0  # ... of which taken from the KV cache
    prompt_seconds: float = 0.0
    generated_tokens: int = 0  # sampled tokens, the end-of-turn token included
    generation_seconds: float = 0.0
    scored_tokens: int = 0  # continuation tokens scored by score()
    score_seconds: float = 0.0  # continuation part of score() (prefix time is in prompt_seconds)
    truncated: int = 0  # generate_json calls that hit max_tokens
    prefix_states_loaded: int = 0  # pinned prefixes restored from disk instead of evaluated

    @property
    def prompt_tokens_per_second(self) -> float:
        return self.prompt_tokens_evaluated / self.prompt_seconds if self.prompt_seconds else 0.0

    @property
    def generation_tokens_per_second(self) -> float:
        return self.generated_tokens / self.generation_seconds if self.generation_seconds else 0.0

    @property
    def reuse_ratio(self) -> float:
        return self.prompt_tokens_reused / self.prompt_tokens if self.prompt_tokens else 0.0

    def add(self, other: LLMStats) -> None:
        for f in fields(self):
            if f.name != "load_seconds":
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def copy(self) -> LLMStats:
        return replace(self)


@dataclass(frozen=True)
class ContinuationScore:
    text: str
    logprob: float  # total log-likelihood in nats
    n_tokens: int

    @property
    def mean_logprob(self) -> float:
        return self.logprob / self.n_tokens
