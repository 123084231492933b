"""The kitchen display page ``/kds/{restaurant_id}``: a static page and its script.

The page holds no data of its own: it logs in through the REST API, reads the
open orders from ``GET /api/v1/kitchen/{id}/orders`` and reloads them whenever
the kitchen channel's socket (``/api/v1/ws/kitchen/{id}``) says something
changed, so it needs nothing from the server but its three files. Those are
plain files (no build step, nothing from another origin), which lets the
Content-Security-Policy forbid everything but this origin: no inline script,
no framing, sockets to this host only in practice (``ws:``/``wss:`` because
CSP's ``'self'`` did not cover sockets in older browsers).
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .pages import StaticPage, add_page_routes

# ws:/wss: because CSP's 'self' did not cover sockets in older browsers
PAGE = StaticPage(Path(__file__).with_name("kds_static"), "kds.html",
                  {"kds.js": "text/javascript", "kds.css": "text/css"},
                  connect_src="'self' ws: wss:")

ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/kds/{restaurant_id:\\d+}", PAGE.page),
    ("GET", "/kds/static/{name}", PAGE.asset),
]


def add_kds_routes(app: web.Application) -> None:
    add_page_routes(app, ROUTES)
