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

STATIC_DIR = Path(__file__).with_name("kds_static")

#: URL name -> content type; nothing else under /kds/static/ exists.
ASSETS = {"kds.js": "text/javascript", "kds.css": "text/css"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; object-src 'none'; "
    "frame-ancestors 'none'")
#: The page and its script change with the installed package; revalidate each time.
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY",
           "Cache-Control": "no-cache"}


async def kds_page(request: web.Request) -> web.Response:
    return web.Response(body=(STATIC_DIR / "kds.html").read_bytes(), content_type="text/html",
                        charset="utf-8", headers=HEADERS)


async def kds_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC_DIR / name, headers={"Content-Type": ASSETS[name], **HEADERS})


ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/kds/{restaurant_id:\\d+}", kds_page),
    ("GET", "/kds/static/{name}", kds_asset),
]


def add_kds_routes(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]
