"""The gateway's own browser pages (the kitchen display, the hardware page): how they
are served.

Each page is a plain HTML file with one script and one stylesheet, plus the session
script they share (``pages_static/session.js``: login, tokens, refresh). No build step
and nothing from another origin, so the Content-Security-Policy allows this origin only:
no inline script or style, no framing, no form posted elsewhere. The files change with
the installed package, so browsers revalidate them each time.
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

SESSION_SCRIPT = Path(__file__).with_name("pages_static") / "session.js"
SESSION_PATH = "/pages/static/session.js"


def policy(connect_src: str = "'self'") -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect_src}; base-uri 'none'; form-action 'self'; "
            "object-src 'none'; frame-ancestors 'none'")


class StaticPage:
    """One page: its HTML at the routes given, its assets under ``{prefix}/static/``."""

    def __init__(self, directory: Path, html: str, assets: dict[str, str],
                 connect_src: str = "'self'") -> None:
        self.directory = directory
        self.html = html
        self.assets = assets       # URL name -> content type; nothing else is served
        self.headers = {"Content-Security-Policy": policy(connect_src), "X-Frame-Options": "DENY",
                        "Cache-Control": "no-cache"}

    async def page(self, request: web.Request) -> web.Response:
        return web.Response(body=(self.directory / self.html).read_bytes(),
                            content_type="text/html", charset="utf-8", headers=self.headers)

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in self.assets:
            raise web.HTTPNotFound()
        return web.FileResponse(self.directory / name,
                                headers={"Content-Type": self.assets[name], **self.headers})


async def session_script(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(SESSION_SCRIPT, headers={
        "Content-Type": "text/javascript", "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff"})


def add_page_routes(app: web.Application, routes: list[tuple[str, str, object]]) -> None:
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)  # type: ignore[arg-type]


def add_session_script(app: web.Application) -> None:
    app.router.add_get(SESSION_PATH, session_script)
