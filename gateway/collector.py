"""When the cyclic garbage collector looks at the process's long-lived objects.

A gateway holding ten thousand idle long-polls and websockets keeps one to two
million objects alive. CPython's automatic full collection walks all of them
(300-350 ms here) whenever enough of them are new, which is right after a
reconnect storm; it then fell inside the next fan-out, and the last of
10,000 long-pollers got its notification 400 ms later than it could (make
bench, measured with a gc callback: a gen2 of 342 ms between the commit and
the first answer).

So what has lived for a while is frozen (``gc.freeze``: left out of every
automatic collection; freed by reference counting as before), and the
automatic collections only walk what is young. Cyclic garbage among frozen
objects waits for the next thaw: every ``thaw_interval`` everything goes
back to the collector and one full collection runs at that moment, off the
hot path of any one request.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from typing import AsyncIterator, Callable

from aiohttp import web

_logger = logging.getLogger(__name__)

#: Seconds between freezes of what is alive (O(1): the generation lists are spliced).
#: A request shorter than this is collected as before; a long-poll is frozen.
FREEZE_INTERVAL = 1.0
#: Seconds between full collections of everything, frozen objects included: a finished
#: long-poll leaves about six objects in cycles (60,077 found after 10,000), so a
#: minute of them is little memory, and one walk a minute is little time.
THAW_INTERVAL = 60.0


def keep_old_objects_frozen(freeze_interval: float = FREEZE_INTERVAL,
                            thaw_interval: float = THAW_INTERVAL
                            ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            thawed = time.monotonic()
            while True:
                await asyncio.sleep(freeze_interval)
                if time.monotonic() - thawed >= thaw_interval:
                    gc.unfreeze()
                    started = time.perf_counter()
                    found = gc.collect()
                    _logger.debug("gc: full collection of everything: %d unreachable, %.0f ms",
                                  found, (time.perf_counter() - started) * 1000)
                    thawed = time.monotonic()
                gc.freeze()

        task = asyncio.create_task(loop(), name="gc freezer")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()
    return context
