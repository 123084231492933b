"""The kitchen display page ``/kds/{restaurant_id}`` (being written)."""
from __future__ import annotations

from aiohttp import web

ROUTES: list[tuple[str, str, object]] = []


def add_kds_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]
