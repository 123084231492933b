"""Reference "framework ceiling": bare aiohttp answering precomputed bytes.

``python -m bench.ceiling_app --port P --route METHOD PATH STATUS answer.json ...``

Each route reads the request body (as the gateway must) and answers the
exact body the gateway answered for that request, with its status (201 for
a new order) and a JSON Content-Type. Nothing else happens per request (no
token check, no database), so this is the most any aiohttp app can do on
this machine for the same request and answer size. Access log off, as in the
gateway at log level warning.
"""
from __future__ import annotations

import argparse
import logging

from aiohttp import web

HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def make_app(routes: list[tuple[str, str, int, bytes]]) -> web.Application:
    app = web.Application()
    for method, path, status, body in routes:
        async def answer(request: web.Request, body: bytes = body,
                         status: int = status) -> web.Response:
            await request.read()
            return web.Response(status=status, body=body, headers=HEADERS)
        app.router.add_route(method, path, answer)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--route", action="append", nargs=4, default=[],
                        metavar=("METHOD", "PATH", "STATUS", "FILE"))
    args = parser.parse_args()
    routes = []
    for method, path, status, filename in args.route:
        with open(filename, "rb") as handle:
            routes.append((method, path, int(status), handle.read()))
    logging.basicConfig(level=logging.WARNING)
    web.run_app(make_app(routes), host="127.0.0.1", port=args.port, access_log=None,
                print=None)


if __name__ == "__main__":
    main()
