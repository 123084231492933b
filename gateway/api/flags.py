"""``/api/v1/feature-flags`` and ``/api/v1/users/me/preferences``."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
