"""The hardware status page ``/hardware``: a static page and its script.

As the kitchen display (gateway/kds.py), the page holds no data of its own:
it logs in through ``POST /api/v1/auth/login`` and reads the devices and the
queue from the REST API (``GET /api/v1/hardware/status``, ``GET
/api/v1/hardware/jobs``), and its buttons call ``POST
/api/v1/hardware/printers/{id}/test`` and ``POST
/api/v1/hardware/jobs/{id}/retry|cancel``; the API decides who may do what.
Three plain files, nothing from another origin, so the Content-Security-Policy
allows this origin only: no inline script or style, no framing.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).with_name("page_static")

#: URL name -> content type; nothing else under /hardware/static/ exists.
ASSETS = {"page.js": "text/javascript", "page.css": "text/css"}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; "
    "frame-ancestors 'none'")
#: The files change with the installed package: revalidate each time.
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY",
           "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}


async def hardware_page(request: web.Request) -> web.Response:
    return web.Response(body=(STATIC_DIR / "page.html").read_bytes(), content_type="text/html",
                        charset="utf-8", headers=HEADERS)


async def hardware_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in ASSETS:
        raise web.HTTPNotFound()
    return web.FileResponse(STATIC_DIR / name, headers={"Content-Type": ASSETS[name], **HEADERS})


ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/hardware", hardware_page),
    ("GET", "/hardware/static/{name}", hardware_asset),
]


def add_hardware_page(app: web.Application) -> None:
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]
