"""Jobs the gateway runs on a clock, as Odoo runs its scheduled actions (``ir.cron``).

Each job runs in every worker process; the jobs are idempotent (purging
expired sessions, re-deriving table statuses), so a second worker doing the
same round changes nothing. A failing round is logged and the next one runs
as planned: a clock must not stop because the database blinked once.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

_logger = logging.getLogger(__name__)

Job = Callable[[web.Application], Awaitable[Any]]


def every(seconds: float, job: Job, what: str) -> Callable[[web.Application],
                                                          AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry running ``job(app)`` every ``seconds`` (0: never)."""
    async def context(app: web.Application) -> AsyncIterator[None]:
        if seconds <= 0:
            yield
            return

        async def loop() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    result = await job(app)
                    _logger.debug("%s: %s", what, result)
                except Exception:  # the next round runs anyway
                    _logger.exception("%s failed", what)

        task = asyncio.create_task(loop(), name=what)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return context
