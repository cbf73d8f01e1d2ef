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
    document_format: ClassVar[str | None] = None  # the required "format" value, if any
    dump_options: ClassVar[dict[str, Any]] = {"by_alias": True}

    @classmethod
    def checked_object(cls, data: Any) -> dict[str, Any]:
        """``data`` if it is a JSON object with this document's ``format``, else the error."""
        from .errors import ValidationError

        if not isinstance(data, dict):
            raise ValidationError(cls.document_name,
                                  f"expected a JSON object, got {type(data).__name__}")
        if cls.document_format is not None and data.get("format") != cls.document_format:
            raise ValidationError("format", f"expected {cls.document_format!r}, "
                                  f"got {data.get('format')!r}")
        return data

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
