"""A network printer stand-in: a real TCP listener on 127.0.0.1.

It keeps the bytes of each connection (one print job per connection, as the
transport sends them), answers the real-time status queries ``DLE EOT n``
with configurable status bytes (as an Epson printer does, one byte per
query), and can be stopped and started again on the same port (a printer
switched off and on), paused (a printer that stops taking data: its buffers
fill and the sender's writes block), or slowed down.

Used by tests/test_hw_*.py; other tests (receipts, IoT routes, the status
page) can print to it the same way.
"""
from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

DLE_EOT = b"\x10\x04"
#: An Epson printer with nothing to report: the fixed bits (1 and 4) only.
HEALTHY = 0x12
#: DLE EOT 4 answer with the paper-end bits (5 and 6) set.
PAPER_END = HEALTHY | 0x60
#: DLE EOT 2 answer with the cover-open bit (2) set.
COVER_OPEN = HEALTHY | 0x04


class PrinterListener:
    def __init__(self, *, answer_status: bool = True, chunk: int = 65536,
                 delay: float = 0.0, rcvbuf: int | None = None) -> None:
        #: n -> the byte answered to ``DLE EOT n``.
        self.status: dict[int, int] = {1: HEALTHY, 2: HEALTHY, 4: HEALTHY}
        self.answer_status = answer_status
        self.chunk = chunk
        self.delay = delay
        self.rcvbuf = rcvbuf
        self.port = 0
        #: The bytes of every connection, in the order they were accepted.
        self.connections: list[bytearray] = []
        #: Indexes of the connections the client has closed (their bytes are complete).
        self.closed: set[int] = set()
        #: Connections from this index on are not read while ``reading`` is clear.
        self.pause_from: int | None = None
        self.reading = asyncio.Event()
        self.reading.set()
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed = asyncio.Condition()

    # -- life cycle -----------------------------------------------------------------
    async def start(self) -> PrinterListener:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        self._server = await asyncio.start_server(self._handle, sock=sock)
        return self

    async def stop(self) -> None:
        """Stop listening and drop open connections (the printer is switched off)."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    def pause(self, from_connection: int = 0) -> None:
        """Stop reading connections ``from_connection`` onwards: their sender stalls."""
        self.pause_from = from_connection
        self.reading.clear()

    def resume(self) -> None:
        self.reading.set()
        self.pause_from = None

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- serving ------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(self.connections)
        data = bytearray()
        self.connections.append(data)
        self._writers.add(writer)
        await self._notify()
        try:
            # a connection dropped by stop() (or by its sender) keeps the bytes it had
            with contextlib.suppress(ConnectionError, OSError):
                await self._read(index, data, reader, writer)
        finally:
            self._writers.discard(writer)
            self.closed.add(index)
            writer.transport.abort()
            await self._notify()

    async def _read(self, index: int, data: bytearray, reader: asyncio.StreamReader,
                    writer: asyncio.StreamWriter) -> None:
        while True:
            if self.pause_from is not None and index >= self.pause_from:
                await self.reading.wait()
            chunk = await reader.read(self.chunk)
            if not chunk:
                return
            tail = bytes(data[-2:])
            data += chunk
            if self.answer_status:
                await self._answer(tail + chunk, writer)
            await self._notify()
            if self.delay:
                await asyncio.sleep(self.delay)

    async def _answer(self, window: bytes, writer: asyncio.StreamWriter) -> None:
        start = 0
        answers = bytearray()
        while True:
            found = window.find(DLE_EOT, start)
            if found < 0 or found + 2 >= len(window):
                break
            n = window[found + 2]
            if n in self.status:
                answers.append(self.status[n])
            start = found + 3
        if answers:
            writer.write(bytes(answers))
            with contextlib.suppress(ConnectionError, OSError):    # the peer went away
                await writer.drain()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- what tests look at ---------------------------------------------------------------
    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> None:
        """Until ``predicate()`` holds (checked on every change), or TimeoutError."""
        async def wait() -> None:
            async with self._changed:
                await self._changed.wait_for(predicate)
        await asyncio.wait_for(wait(), timeout)

    def jobs(self) -> list[bytes]:
        """The bytes of each closed connection, in order (each a complete print job).

        A connection closed without a byte printed nothing and is left out: its sender
        stopped before the first byte (killed between its connect and its write, as a
        SIGKILL test may catch it on a loaded host, or gave up on a slow connect)."""
        return [bytes(data) for index, data in enumerate(self.connections)
                if index in self.closed and data]

    def all_closed(self) -> bool:
        """Every connection so far has been closed by its sender."""
        return len(self.closed) == len(self.connections)
