"""``order`` specifications: Odoo 17's grammar, checked before any SQL exists.

``"name asc, id desc nulls last"``: comma-separated terms of a field name,
an optional direction and an optional NULLS placement. Anything else is the
UserError Odoo raises; an unknown field is Odoo's ValueError.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .exceptions import UserError

_TERM = re.compile(
    r"""^\s*(?P<field>[a-z0-9_]+|"[a-z0-9_]+")(\.(?P<property>[a-z0-9_]+))?(:(?P<func>[a-z_]+))?"""
    r"""(\s+(?P<direction>desc|asc))?(\s+(?P<nulls>nulls\s+first|nulls\s+last))?\s*$""",
    re.IGNORECASE,
)
MAX_TERMS = 16


@dataclass(frozen=True)
class OrderTerm:
    field: str
    descending: bool
    nulls: str | None  # 'FIRST' | 'LAST' | None


def invalid_order(spec: object) -> UserError:
    return UserError(
        f'Invalid "order" specified ({spec}). A valid "order" specification is a comma-separated '
        f"list of valid field names (optionally followed by asc/desc for the direction)")


def parse_order(spec: object) -> list[OrderTerm]:
    if not isinstance(spec, str) or not spec.strip():
        raise invalid_order(spec)
    pieces = spec.split(",")
    if len(pieces) > MAX_TERMS:
        raise invalid_order(spec)
    terms = []
    for piece in pieces:
        match = _TERM.match(piece)
        if not match or match.group("property") or match.group("func"):
            raise invalid_order(spec)
        nulls = match.group("nulls")
        terms.append(OrderTerm(
            field=match.group("field").strip('"').lower(),
            descending=(match.group("direction") or "asc").lower() == "desc",
            nulls=nulls.split()[-1].upper() if nulls else None,
        ))
    return terms
