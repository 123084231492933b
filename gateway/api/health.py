"""Health probes: ``/health`` (liveness, no database, no session) and ``/api/v1/health``."""
from __future__ import annotations

import time

from aiohttp import web

from models.db import Cursor
from rpc.service import RPC_SERVICE

from .envelope import ok


async def liveness(request: web.Request) -> web.Response:
    return web.json_response({"status": "pass"})


async def health(request: web.Request) -> web.Response:
    """A database round trip, timed; a failure is a 500 in the envelope (logged with its id)."""
    service = request.app[RPC_SERVICE]

    async def unit(cr: Cursor) -> object:
        return await cr.fetchval("SELECT 1")

    started = time.perf_counter()
    await service.run(unit, readonly=True)
    elapsed = (time.perf_counter() - started) * 1000
    return ok({"status": "pass", "database": {"kind": service.backend.kind,
                                              "round_trip_ms": round(elapsed, 3)}})


#: (method, path, handler), added to the app by routes.py (beyond the two probes in its core table).
ROUTES: list[tuple[str, str, object]] = []
