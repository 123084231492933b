"""gateway/collector.py: long-lived objects are left out of automatic collections, and
cyclic garbage among them is still collected at the next thaw."""
from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from aiohttp import web

from gateway.collector import keep_old_objects_frozen


class Node:
    def __init__(self) -> None:
        self.me = self          # a cycle: only the cyclic collector frees it


async def test_old_objects_are_frozen_and_their_cycles_freed_at_the_thaw(
        aiohttp_client: Any) -> None:
    app = web.Application()
    app.cleanup_ctx.append(keep_old_objects_frozen(freeze_interval=0.05, thaw_interval=1.0))
    await aiohttp_client(app)
    node = Node()
    alive = weakref.ref(node)
    await asyncio.sleep(0.2)             # a few freezes later
    assert gc.get_freeze_count() > 0
    del node
    gc.collect()                         # frozen: not even a full collection looks at it
    assert alive() is not None
    for _ in range(40):                  # the thaw (at 1 s) collects everything once
        await asyncio.sleep(0.1)
        if alive() is None:
            break
    assert alive() is None
