"""How model values look in REST answers (the Odoo front keeps Odoo's own shapes).

A many2one is ``{id, name}`` or null (Odoo's ``[id, name]`` or ``False``), an
empty text is null (Odoo's ``False``), a stored UTC datetime is ISO 8601 with
``Z`` (Odoo's ``"YYYY-MM-DD HH:MM:SS"`` leaves the zone implicit).
"""
from __future__ import annotations

from typing import Any


def many2one(value: Any) -> dict[str, Any] | None:
    if isinstance(value, (list, tuple)) and value:
        return {"id": value[0], "name": value[1] if len(value) > 1 else None}
    return None


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def utc(value: Any) -> str | None:
    return value[:19].replace(" ", "T") + "Z" if isinstance(value, str) and value else None
