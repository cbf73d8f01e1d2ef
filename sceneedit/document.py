"""Reading and writing the JSON documents sceneedit exchanges (scene graphs, plans, workflows):
one implementation of the file and JSON plumbing, so every document reports malformed JSON,
missing files and partial writes the same way."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from typing_extensions import Self

from .errors import InvalidInputError


class JsonDocument:
    """Mixin for pydantic models that are whole JSON documents.

    Subclasses set ``document_name`` (used in messages) and implement ``from_dict``.
    """

    document_name: ClassVar[str] = "document"
    dump_options: ClassVar[dict[str, Any]] = {"by_alias": True}

    @classmethod
    def from_dict(cls, data: Any) -> Self:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    @classmethod
    def from_json(cls, text: str) -> Self:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(f"{cls.document_name} is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        from .io import read_text

        return cls.from_json(read_text(path, cls.document_name))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", **self.dump_options)  # type: ignore[attr-defined]

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def save(self, path: str | Path) -> None:
        from .io import write_text_atomic

        write_text_atomic(path, self.to_json() + "\n")
