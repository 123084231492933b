"""Security headers on every response of the app (both ports, every face).

Odoo sets none by default. ``X-Frame-Options`` is ``DENY`` on the REST API
(JSON is never framed) and ``SAMEORIGIN`` elsewhere, since Odoo's web client
frames its own pages (reports, the website editor). REST answers are never
cached (tokens and personal data) unless the handler chose a cache policy of its own
(the phone menu: revalidated with its ETag).
"""
from __future__ import annotations

from aiohttp import web

from .envelope import is_api


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if is_api(request.path) or request.path == "/health":
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Cache-Control", "no-store")
    else:
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
