"""``/api/v1/openapi.json`` (the maintained spec, merged from gateway/api/spec/) and ``/api/v1/docs``."""
from __future__ import annotations

#: (method, path, handler), added to the app by routes.py.
ROUTES: list[tuple[str, str, object]] = []
