"""Rendered SQL, keyed by everything that shapes a statement.

peewee renders a ``search_read`` statement in about 160 µs, more than
SQLite takes to run it, and a point of sale asks the same questions over
and over (the menu, the open orders of a table). So the ORM keys each
statement by its inputs — model, fields, domain, order, limit, offset,
the active filter and the record rule (which carries the caller's
companies) — and renders it once. The key holds the exact values, so a
hit is by construction the statement the compiler would build; a domain
that cannot be keyed (it holds something orjson cannot encode) is simply
compiled every time. Errors are never cached: an invalid domain is
rejected on every call. The cache is bounded: past ``maxsize`` entries
the tenth least recently used is dropped (one-off statements, such as the
x2many reads of new orders, must not push out the menu's).
"""
from __future__ import annotations

from typing import Any, Callable

import orjson


class SqlCache:
    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._entries: dict[Any, tuple[str, list[Any]]] = {}
        self.hits = 0
        self.misses = 0

    def fetch(self, key: Any, render: Callable[[], tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
        if key is None:
            return render()
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.hits += 1
            self._entries[key] = entry      # now the newest: hot statements are never the
            return entry                    # oldest tenth that a full cache drops
        self.misses += 1
        entry = render()
        if len(self._entries) >= self.maxsize:
            for old in list(self._entries)[: max(1, self.maxsize // 10)]:
                del self._entries[old]
        self._entries[key] = entry
        return entry

    def __len__(self) -> int:
        return len(self._entries)


def value_key(value: Any) -> bytes | None:
    """A hashable, exact key for JSON-like request data (None if it is not JSON-like)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return None
