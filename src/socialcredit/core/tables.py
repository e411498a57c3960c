"""Typed reading of a published document's TOML tables, naming the exact field on failure.

Every document kind (rulebook, list, memorandum, catalogue, measures) is read through
this one reader so a structural problem always reports the same way: the field's full
path and what was expected. Split from ``rulebook.py`` (which re-exports it) to keep
each module under about 400 lines.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from typing import Any

from socialcredit.core.errors import BadInput, RulebookInvalid
from socialcredit.core.periods import Duration, parse_date, parse_duration

MAX_RULEBOOK_BYTES = 1_000_000


class TableReader:
    """Reads typed values from a TOML table and names the exact field on failure."""

    def __init__(self, data: Mapping[str, Any], path: str) -> None:
        self.data = data
        self.path = path

    def _p(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> RulebookInvalid:
        p = self._p(key)
        return RulebookInvalid(
            f"{p}: {message}", [{"path": p, "code": "structure", "message": message}]
        )

    def has(self, key: str) -> bool:
        return key in self.data

    def str_(self, key: str, default: str | None = None) -> str:
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is required")
            return default
        v = self.data[key]
        if not isinstance(v, str):
            raise self.fail(key, f"expected a string, got {type(v).__name__}")
        return v.strip()

    def opt_str(self, key: str) -> str | None:
        return self.str_(key) if key in self.data else None

    def int_(self, key: str, default: int | None = None) -> int:
        if key not in self.data:
            if default is None:
                raise self.fail(key, "is required")
            return default
        v = self.data[key]
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.fail(key, f"expected an integer, got {type(v).__name__}")
        if abs(v) > 10**9:
            raise self.fail(key, "is out of range")
        return v

    def opt_int(self, key: str) -> int | None:
        return self.int_(key) if key in self.data else None

    def bool_(self, key: str) -> bool | None:
        if key not in self.data:
            return None
        v = self.data[key]
        if not isinstance(v, bool):
            raise self.fail(key, f"expected true or false, got {type(v).__name__}")
        return v

    def strs(self, key: str) -> tuple[str, ...]:
        v = self.data.get(key, [])
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, "expected a list of strings")
        return tuple(x.strip() for x in v)

    def date_(self, key: str) -> date:
        if key not in self.data:
            raise self.fail(key, "is required")
        try:
            return parse_date(self.data[key], field=self._p(key))
        except BadInput as exc:
            raise self.fail(key, exc.message.split(": ", 1)[-1]) from None

    def opt_date(self, key: str) -> date | None:
        return self.date_(key) if key in self.data else None

    def duration(self, key: str) -> Duration | None:
        if key not in self.data:
            return None
        try:
            return parse_duration(self.data[key], field=self._p(key))
        except BadInput as exc:
            raise self.fail(key, exc.message.split(": ", 1)[-1]) from None

    def tables(self, key: str) -> list[TableReader]:
        v = self.data.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
            raise self.fail(key, "expected an array of tables ([[" + key + "]])")
        return [TableReader(x, f"{self._p(key)}[{i}]") for i, x in enumerate(v)]


def read_toml(text: str) -> TableReader:
    """Parse a published document (rulebook, list, memorandum) with a size bound."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RULEBOOK_BYTES:
        raise RulebookInvalid(f"document is larger than {MAX_RULEBOOK_BYTES} bytes")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulebookInvalid(f"malformed TOML: {exc}") from None
    return TableReader(data, "")
