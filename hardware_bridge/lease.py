"""One print worker per database: the lease that says which process sends.

Why: at start the worker turns every job left in ``sending`` into a COPY to
print again (models/hardware.py), which is right only if no other worker is
sending it at that moment. With ``workers > 0``, or several gateway hosts on
one PostgreSQL, every process stores jobs but only the lease holder sends
them; the others try again every few seconds, so when the holder dies one of
them takes over (and reprints, marked, the one job it may have cut off).

PostgreSQL: a session-level advisory lock held on a connection of its own (it
ends with the connection, whatever kills the process). SQLite: an exclusive
``flock`` on a file beside the database (released by the kernel when the
process dies).
"""
from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from typing import Any, Awaitable, Callable

from models.db import Backend, sqlite_path

_logger = logging.getLogger(__name__)

#: Advisory lock key of the print worker ("prnt").
LOCK_KEY = 0x70726E74
RETRY_SECONDS = 5.0


class Lease:
    """Runs ``on_acquired`` once this process holds the lease, ``on_lost`` if it goes."""

    def __init__(self, backend: Backend, on_acquired: Callable[[], Awaitable[None]],
                 on_lost: Callable[[], Awaitable[None]], retry: float = RETRY_SECONDS) -> None:
        self.backend = backend
        self.on_acquired = on_acquired
        self.on_lost = on_lost
        self.retry = retry
        self.held = False
        self._task: asyncio.Task[None] | None = None
        self._file: int | None = None
        self._conn: Any = None
        self._closing = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="print lease")

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            # asyncio.wait: a cancellation swallowed somewhere in on_lost must not keep
            # the close waiting, and ours must not be swallowed here (the loop also
            # stops at _closing)
            await asyncio.wait({self._task}, timeout=10)
            self._task = None
        if self.held:
            self.held = False
            await self.on_lost()
        self._release()

    async def _run(self) -> None:
        while not self._closing:
            try:
                if await self._try():
                    self.held = True
                    _logger.info("print queue: this process sends the print jobs")
                    await self.on_acquired()
                    if not self._closing:
                        await self._hold()
                    if self._closing:
                        return          # close() steps down
                    self.held = False
                    _logger.warning("print queue: lease lost; another process may take over")
                    await self.on_lost()
            except (OSError, ConnectionError) as exc:
                _logger.warning("print queue: cannot take the lease (%s)", exc)
            except Exception as exc:   # asyncpg's errors: the database blinked
                _logger.warning("print queue: cannot take the lease (%r)", exc)
            self._release()
            await asyncio.sleep(self.retry)

    async def _try(self) -> bool:
        if self.backend.kind == "postgresql":
            import asyncpg

            self._conn = await asyncpg.connect(self.backend.url)
            return bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY))
        path = sqlite_path(self.backend.url)
        if path == ":memory:":
            return True          # one process can reach an in-memory database
        self._file = os.open(path + ".print-lease", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def _hold(self) -> None:
        """Until the lease's connection ends (PostgreSQL); forever on SQLite."""
        if self._conn is None:
            await asyncio.Event().wait()
            return
        lost = asyncio.Event()
        self._conn.add_termination_listener(lambda _conn: lost.set())
        while not lost.is_set() and not self._conn.is_closed():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):
                    await lost.wait()
            if not lost.is_set():
                await self._conn.fetchval("SELECT 1")    # a dead peer shows here

    def _release(self) -> None:
        if self._conn is not None:
            if not self._conn.is_closed():
                self._conn.terminate()     # ends the session, and with it the lock
            self._conn = None
        if self._file is not None:
            os.close(self._file)           # closing drops the flock
            self._file = None
