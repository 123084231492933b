"""``/pos/reports/*`` and ``/api/v1/analytics/*``: sales figures over date ranges, with CSV export."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
