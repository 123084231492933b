"""``/api/v1/restaurants``: a restaurant's settings, business hours, taxes and payment methods."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
