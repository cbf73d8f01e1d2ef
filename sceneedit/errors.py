"""The error types sceneedit raises. Every message names the problem and, where there is a
closed set of valid values, lists them, so a user (or the planner's repair loop) can fix it."""
from __future__ import annotations

from collections.abc import Iterable


class SceneEditError(Exception):
    """Base class: anything sceneedit raises on purpose."""


class InvalidInputError(SceneEditError):
    """A file or value given by the user is unusable (corrupt image, malformed JSON, ...)."""


class UnsafePathError(InvalidInputError):
    """A document names a file outside the folders the user gave (absolute, ``..``, a link
    out): refused, nothing outside is read."""


class ValidationError(SceneEditError):
    """A document or value does not satisfy the rules; ``field`` says where."""

    def __init__(self, field: str, message: str, choices: Iterable[str] | None = None):
        self.field = field
        self.choices = sorted(set(choices)) if choices is not None else None
        text = f"{field}: {message}"
        if self.choices is not None:
            shown = ", ".join(self.choices[:40])
            more = f" (+{len(self.choices) - 40} more)" if len(self.choices) > 40 else ""
            text += f". Valid choices: {shown}{more}"
        super().__init__(text)


class WorkflowError(SceneEditError):
    """A workflow is malformed or failed; ``node`` names the node at fault."""

    def __init__(self, node: str | None, message: str):
        self.node = node
        super().__init__(f"node {node!r}: {message}" if node else message)


class MissingWeightsError(SceneEditError):
    """A model's weights are not on this machine; the message says what to get and where."""
