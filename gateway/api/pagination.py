"""List parameters of the REST API: pagination, sorting and filters, declared per route.

A list route declares a :class:`Listing`: the filters it accepts (each turns
its query value into domain terms for the model), the API names it may be
sorted on (each mapped to a stored field) and its default order. Anything
else in the query string is a 422 ``VALIDATION_ERROR`` whose
``field_errors`` names the parameter, so a client never gets a silently
unfiltered or unsorted list.

* ``page`` (>= 1, default 1) and ``per_page`` (1..100, default 20) become
  ``offset``/``limit``; ``meta.pagination`` is
  ``{page, per_page, total, pages, next, prev}``, ``next``/``prev`` page
  numbers or null. A page past the end is an empty list, not an error.
* ``sort=name,-list_price``: comma-separated names, ``-`` for descending.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from multidict import MultiMapping

from models.base import MAX_ID
from models.exceptions import ValidationError

PAGE, PER_PAGE, SORT = "page", "per_page", "sort"
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100

#: A filter: the query value -> domain terms; raises ValueError(reason) for a bad value.
FilterParser = Callable[[str], list[Any]]


@dataclass(frozen=True)
class Page:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def limit(self) -> int:
        return self.per_page

    def meta(self, total: int) -> dict[str, Any]:
        pages = -(-total // self.per_page)
        return {"page": self.page, "per_page": self.per_page, "total": total, "pages": pages,
                "next": self.page + 1 if self.page < pages else None,
                "prev": min(self.page - 1, pages) if self.page > 1 and pages else None}


@dataclass(frozen=True)
class ListRequest:
    domain: list[Any]
    order: str
    page: Page | None

    async def read(self, model: Any, fields: list[str]) -> tuple[list[dict[str, Any]], int]:
        """The requested page of ``model`` (a bound model: the caller's rules apply) and
        the total the domain matches, for ``meta.pagination``."""
        page = self.page
        if page is None:
            raise TypeError("read() is for paginated listings")
        records = await model.search_read(self.domain, fields, offset=page.offset,
                                          limit=page.limit, order=self.order)
        return records, await model.search_count(self.domain)


@dataclass(frozen=True)
class Listing:
    """What a list route accepts. ``sortable``: API name -> stored field."""

    filters: Mapping[str, FilterParser] = field(default_factory=dict)
    sortable: Mapping[str, str] = field(default_factory=dict)
    default_order: str = "id"
    paginated: bool = True

    def parse(self, query: MultiMapping[str]) -> ListRequest:
        errors: dict[str, str] = {}
        known = set(self.filters) | ({SORT} if self.sortable else set()) | (
            {PAGE, PER_PAGE} if self.paginated else set())
        for name in query:
            if name not in known:
                errors[name] = "unknown parameter"
            elif len(query.getall(name)) > 1:
                errors[name] = "given more than once"
            elif "\x00" in query[name]:      # PostgreSQL refuses NUL in text
                errors[name] = "must not contain NUL characters"
        values = {name: query[name] for name in known if name in query and name not in errors}

        page: Page | None = None
        if self.paginated:
            number = _bounded(values, PAGE, 1, 1, MAX_ID, errors)
            size = _bounded(values, PER_PAGE, DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors)
            page = Page(number, size)

        order = self.default_order
        if SORT in values:
            try:
                order = self._order(values[SORT])
            except ValueError as exc:
                errors[SORT] = str(exc)

        domain: list[Any] = []
        for name, parse in self.filters.items():
            if name in values:
                try:
                    domain += parse(values[name])
                except ValueError as exc:
                    errors[name] = str(exc)
        if errors:
            raise ValidationError("Invalid query parameters: " + ", ".join(sorted(errors)),
                                  field_errors=errors)
        return ListRequest(domain, order, page)

    def _order(self, spec: str) -> str:
        terms: list[str] = []
        seen: set[str] = set()
        for raw in spec.split(","):
            name = raw.strip()
            descending = name.startswith("-")
            name = name[1:] if descending else name
            if name not in self.sortable:
                allowed = ", ".join(sorted(self.sortable))
                raise ValueError(f"cannot sort on {name!r}; sortable: {allowed}")
            if name in seen:
                raise ValueError(f"{name!r} given twice")
            seen.add(name)
            terms.append(f"{self.sortable[name]} {'desc' if descending else 'asc'}")
        return ", ".join(terms)


def _bounded(values: dict[str, str], name: str, default: int, low: int, high: int,
             errors: dict[str, str]) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        errors[name] = f"must be an integer from {low} to {high}"
        return default
    return int(text)


# -- filter parsers ---------------------------------------------------------------------------

def id_value(raw: str) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise ValueError("must be a positive integer id")
    return int(text)


def date_value(raw: str) -> dt.date:
    """A ``YYYY-MM-DD`` query value; ValueError (the parameter's field error) otherwise."""
    text = raw.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("must be an ISO date (YYYY-MM-DD)") from None
    raise ValueError("must be an ISO date (YYYY-MM-DD)")


def bool_value(raw: str) -> bool:
    text = raw.strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError("must be true or false")


def equals_id(field_name: str) -> FilterParser:
    return lambda raw: [(field_name, "=", id_value(raw))]


def equals_bool(field_name: str) -> FilterParser:
    return lambda raw: [(field_name, "=", bool_value(raw))]


def equals_text(field_name: str) -> FilterParser:
    def parse(raw: str) -> list[Any]:
        if not raw.strip():
            raise ValueError("must not be empty")
        return [(field_name, "=", raw.strip())]
    return parse


def contains_any(*field_names: str) -> FilterParser:
    """A free-text search: ``ilike`` on any of the fields."""
    def parse(raw: str) -> list[Any]:
        text = raw.strip()
        if not text:
            raise ValueError("must not be empty")
        return ["|"] * (len(field_names) - 1) + [(name, "ilike", text) for name in field_names]
    return parse
