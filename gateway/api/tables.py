"""``/api/v1/restaurant``: the floor plan, table status changes and reservations."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
