"""Reading and writing the JSON documents sceneedit exchanges (scene graphs, plans, workflows):
one implementation of the file and JSON plumbing, so every document reports malformed JSON,
missing files and partial writes the same way."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, ClassVar

from typing_extensions import Self

from .errors import InvalidInputError


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook``: JSON allows a repeated key and Python keeps the last one
    silently; a document that says two things about one field is refused instead."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise InvalidInputError(f"duplicate key {key!r} in one JSON object")
        out[key] = value
    return out


def parse_json(text: str, what: str) -> Any:
    """Parse a document's JSON; every failure is one ``InvalidInputError`` naming ``what``."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{what}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{what} is not valid JSON: {exc}") from None
    except RecursionError:  # json's C scanner recurses once per nesting level
        raise InvalidInputError(f"{what} is nested too deeply to be a {what} "
                                f"(more than ~{sys.getrecursionlimit()} levels)") from None


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
        data = parse_json(text, cls.document_name)
        try:
            return cls.from_dict(data)
        except RecursionError:  # deep nesting json accepted but a validator recursed into
            raise InvalidInputError(f"{cls.document_name} is nested too deeply") from None

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
