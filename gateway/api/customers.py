"""``/api/v1/customers``: the restaurant's customers, their orders and loyalty points."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
