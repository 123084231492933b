"""CORS for the REST API: the origins listed in ``cors_origins``, nothing else.

aiohttp-cors answers the preflight ``OPTIONS`` of every route and adds the
``Access-Control-*`` headers to real answers (errors included, through
``on_response_prepare``). The Odoo face gets none: Odoo's own routes are
same-origin unless a route says ``cors=``, and the POS frontend is served from
the same host. With no origin configured nothing is installed, so a browser on
another origin is refused by its own same-origin policy.
"""
from __future__ import annotations

import aiohttp_cors
from aiohttp import web

from .envelope import is_api

#: What a cross-origin page may read and send (Retry-After and the rate-limit
#: budget matter to a client that wants to back off; ETag to revalidate the menu).
EXPOSED = ("ETag", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
           "X-RateLimit-Reset", "Content-Disposition")
ALLOWED = ("Authorization", "Content-Type", "If-None-Match", "X-Requested-With")


def setup_cors(app: web.Application, origins: tuple[str, ...], allow_credentials: bool,
               max_age: int) -> None:
    """Called once all routes are added: aiohttp-cors works route by route."""
    if not origins:
        return
    defaults = {
        origin: aiohttp_cors.ResourceOptions(
            allow_credentials=allow_credentials and origin != "*",
            expose_headers=EXPOSED, allow_headers=ALLOWED, max_age=max_age)
        for origin in origins
    }
    cors = aiohttp_cors.setup(app, defaults=defaults)
    for route in list(app.router.routes()):
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method != "OPTIONS" and (is_api(path) or path == "/health"):
            cors.add(route)
