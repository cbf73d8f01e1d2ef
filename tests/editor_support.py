"""Shared by the editor and session tests: scenes, a scripted LLM and a counting perceiver.

``ScriptedLLM`` stands in for the model's *text* only (it implements the ``LLM`` protocol by
returning the given JSON answers in turn); the planner, compiler, bricks, executor,
perception and verification that consume that text are all real.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from sceneedit.perception import ClassicalPerceiver
from sceneedit.synthetic import generate_scene

# seed 3 puts these on a wooden table ("wood oak"): o1 apple, o2 lamp, o3 mug, o4 book
SCENE_OBJECTS = [("apple", "red"), ("mug", "blue"), ("lamp", None), ("book", "green")]


def make_scene(seed: int = 3, objects=SCENE_OBJECTS):
    return generate_scene(seed, objects=objects)


def answer(edits, unresolved=None, missing=(), reasoning="scripted"):
    return json.dumps({"reasoning": reasoning, "edits": edits, "unresolved": unresolved,
                       "missing": list(missing)})


class ScriptedLLM:
    """Answers with the given strings in turn and records every prompt and schema."""

    def __init__(self, *answers: str):
        # a stand-in for the model; the planner still parses every instruction (spaCy, the
        # language extra that the llm extra installs)
        pytest.importorskip("spacy")
        self.answers = list(answers)
        self.calls: list[tuple[list, dict]] = []
        self.scored: list[tuple[str, list[str]]] = []

    def format_chat(self, messages, add_generation_prompt=True):
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages)

    def generate_json(self, prompt, schema, max_tokens=512, temperature=0.0, seed=0):
        self.calls.append((prompt, schema))
        if not self.answers:
            raise AssertionError("the planner asked the model more often than the test expected")
        return self.answers.pop(0)

    def score(self, prefix, continuations):
        """Asked which object an absent phrase is ("Remove the cat." with no cat), prefer
        "none of these" (the planner asks only then; the editor never scores)."""
        self.scored.append((prefix, list(continuations)))
        return [0.0 if "none of these" in c else -5.0 for c in continuations]

    def last_request(self, i: int = -1) -> str:
        """The user turn with the scene and instruction of call ``i``."""
        prompt = self.calls[i][0]
        return next(m["content"] for m in reversed(prompt) if m["content"].startswith("Scene:"))


def allowed_targets(schema: dict) -> set[str]:
    out = set()
    for v in schema["properties"]["edits"]["items"]["anyOf"]:
        if "target" in v["properties"]:
            out.update(v["properties"]["target"]["enum"])
    return out


class CountingPerceiver:
    """The classical perceiver, counting the image sizes it was asked to perceive."""

    name = "classical"

    def __init__(self):
        self.inner = ClassicalPerceiver()
        self.shapes: list[tuple[int, int]] = []

    def perceive(self, image: np.ndarray):
        self.shapes.append(image.shape[:2])
        return self.inner.perceive(image)

    def full_calls(self, shape) -> int:
        return sum(s == tuple(shape[:2]) for s in self.shapes)
