"""The hardware status page ``/hardware``: a static page and its script.

As the kitchen display (gateway/kds.py), the page holds no data of its own:
it logs in through ``POST /api/v1/auth/login`` and reads the devices and the
queue from the REST API (``GET /api/v1/hardware/status``, ``GET
/api/v1/hardware/jobs``), and its buttons call ``POST
/api/v1/hardware/printers/{id}/test`` and ``POST
/api/v1/hardware/jobs/{id}/retry|cancel``; the API decides who may do what.
It is served as the kitchen display is (gateway/pages.py).
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from .pages import StaticPage, add_page_routes

PAGE = StaticPage(Path(__file__).with_name("hardware_static"), "page.html",
                  {"page.js": "text/javascript", "page.css": "text/css"})

ROUTES: list[tuple[str, str, object]] = [
    ("GET", "/hardware", PAGE.page),
    ("GET", "/hardware/static/{name}", PAGE.asset),
]


def add_hardware_page(app: web.Application) -> None:
    add_page_routes(app, ROUTES)
