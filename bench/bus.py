"""The bus case: how many idle listeners one gateway process holds, and how fast one
notification reaches the last of them.

Issue 5's targets: 10,000 idle long-pollers and 10,000 websocket clients in one
process under 500 MB resident, and under 1 s from a commit to the last of
10,000 clients receiving it.

The listeners live in load processes of their own (``python -m bench.bus``,
a few thousand clients each), never in the gateway's. Long-pollers are raw
HTTP/1.1 keep-alive ``POST /longpolling/poll`` requests and websockets that
send Odoo's ``subscribe`` and wait, both on raw asyncio protocols: each
arrival is stamped when its bytes reach the process, with no client library
(and no task per client) between the socket and the clock, so thousands of
answers arriving at once are not queued behind each other's parsing. All listen as the public (no
session) to the plain channel ``bench``, from the newest id the database
has, so subscribing reads nothing (the hub's ring answers) and the first
thing each receives is the bench's notification. The gateway's long-poll
timeout is raised to 10 minutes so pollers stay idle while measured.

The notification is committed by the bench's own process through the
project's code (``models.bus.send`` in a unit of work), as another gateway
process or a worker would: on PostgreSQL the gateway hears it by
``LISTEN/NOTIFY``, the production path between processes. On SQLite a write
from another process is only seen at the hub's safety poll, so the SQLite
gateway runs with ``bus_poll_interval`` at :data:`SQLITE_POLL` and its figure
includes up to that much waiting (in production a SQLite gateway is one
process and its own commits wake the hub directly).

Every load process stamps each arrival with ``time.time()`` (the clock all
processes share); latency is arrival minus the moment the commit returned.
The load processes share the host's two cores with the gateway and
PostgreSQL, so the figure is an upper bound on the gateway's own; the
gateway's CPU time over the fan-out is reported beside it.

Open sockets are file descriptors: each process raises its soft
RLIMIT_NOFILE to the hard limit (the gateway inherits the bench's). A
gateway holding both kinds at once needs one descriptor per client plus a
few of its own, so a hard limit of 20,000 caps the combined run just under
10,000 + 10,000; each kind is also measured alone at the full count.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import math
import os
import resource
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import orjson

from . import procstat, servers
from .dataset import Target, clean_environ

CHANNEL = "bench"
EVENT = "system_notification"
#: Clients per load process: few enough that one process reads its share of the
#: fan-out quickly, and far below any descriptor limit.
PER_PROCESS = 2500
#: Connections a load process opens at once (the gateway's listen backlog is 128).
OPENING = 100
#: The SQLite gateway's safety poll (s): how it learns of another process's commit.
SQLITE_POLL = 0.1
#: Seconds the gateway lets a long-poll wait: longer than any measurement.
LONGPOLL_TIMEOUT = 600
#: Descriptors the gateway needs besides its clients (listening sockets, database,
#: log, epoll...), kept free when sizing the combined run.
GATEWAY_SPARE_FDS = 200
#: Before the commit, wait up to QUIET_WAIT s for the host to use under QUIET_PCT % of a core.
QUIET_PCT = 15.0
QUIET_WAIT = 10.0
#: Targets (issue 5).
CLIENTS_TARGET = 10_000
RSS_TARGET_MB = 500
LATENCY_TARGET_S = 1.0


def raise_fd_limit() -> int:
    """Soft RLIMIT_NOFILE up to the hard limit (inherited by children); answers it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- the load process ---------------------------------------------------------------------

def poll_request(host: str, port: int, last: int, ident: int) -> bytes:
    body = orjson.dumps({"jsonrpc": "2.0", "method": "call", "id": ident,
                         "params": {"channels": [CHANNEL], "last": last, "options": {}}})
    return (f"POST /longpolling/poll HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"\r\n").encode() + body


def notifications_in(answer: bytes) -> list[dict[str, Any]]:
    """The notifications of a long-poll's raw HTTP answer ([] if it is anything else)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return []
    try:
        result = orjson.loads(body).get("result")
    except (orjson.JSONDecodeError, AttributeError):
        return []
    return result if isinstance(result, list) else []


def is_ours(notifications: list[dict[str, Any]], token: str) -> bool:
    return any(isinstance(n, dict) and isinstance(n.get("message"), dict)
               and n["message"].get("type") == EVENT
               and (n["message"].get("payload") or {}).get("token") == token
               for n in notifications)


class Listener(asyncio.Protocol):
    """One client on a raw asyncio protocol: the arrival is stamped in ``data_received``,
    before any parsing, so the figure is the gateway's and not a client library's.

    A long-poller sends one keep-alive ``POST /longpolling/poll`` and waits for its
    answer; a websocket does the HTTP upgrade, sends Odoo's ``subscribe`` (a masked
    text frame, as a client must) and waits for the first text frame, answering
    the server's pings meanwhile."""

    def __init__(self, kind: str, request: bytes, subscribe: bytes,
                 finished: Callable[[], None]) -> None:
        self.kind = kind                  # "poll" | "ws"
        self.request = request
        self.subscribe = subscribe
        self.finished = finished
        self.transport: asyncio.Transport | None = None
        self.connected = False
        self.upgraded = asyncio.get_running_loop().create_future()
        self.error = ""
        self.received_at = 0.0
        #: What arrived, kept raw: decoding waits until every client has received, so
        #: the load processes spend as little as they can while the fan-out runs.
        self.answer = b""
        self.done = False
        self._buffer = b""
        self._chunk_at = 0.0              # when the bytes being read arrived
        self._upgrading = kind == "ws"

    # -- asyncio.Protocol ----------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport          # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self._chunk_at = time.time()
        self._buffer += data
        if self._upgrading:
            self._read_upgrade()
        elif self.kind == "poll":
            self._read_answer()
        else:
            self._read_frames()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done:
            self._finish(f"connection lost: {exc!r}" if exc else "connection closed")
        if not self.upgraded.done():
            self.upgraded.set_result(None)

    def notifications(self) -> list[dict[str, Any]]:
        """The notifications received (decoded now, after the measurement)."""
        if self.kind == "poll":
            return notifications_in(self.answer)
        try:
            decoded = orjson.loads(self.answer)
        except orjson.JSONDecodeError:
            return []
        return decoded if isinstance(decoded, list) else []

    # -- the two protocols ---------------------------------------------------------------
    def _read_upgrade(self) -> None:
        head, found, rest = self._buffer.partition(b"\r\n\r\n")
        if not found:
            return
        self._upgrading = False
        self._buffer = rest
        if not head.startswith(b"HTTP/1.1 101"):
            self._finish(f"upgrade refused: {head[:80]!r}")
        else:
            self.transport.write(self.subscribe)
        if not self.upgraded.done():
            self.upgraded.set_result(None)
        if rest:
            self._read_frames()

    def _read_answer(self) -> None:
        head, found, body = self._buffer.partition(b"\r\n\r\n")
        if not found:
            return
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(body) < length:
            return
        self.received_at = self._chunk_at
        self.answer = head + b"\r\n\r\n" + body[:length]
        self._finish("")

    def _read_frames(self) -> None:
        while len(self._buffer) >= 2:
            first, second = self._buffer[0], self._buffer[1]
            size, offset = second & 0x7F, 2
            if size == 126:
                if len(self._buffer) < 4:
                    return
                size, offset = int.from_bytes(self._buffer[2:4], "big"), 4
            elif size == 127:
                if len(self._buffer) < 10:
                    return
                size, offset = int.from_bytes(self._buffer[2:10], "big"), 10
            if len(self._buffer) < offset + size:
                return
            payload = self._buffer[offset:offset + size]
            self._buffer = self._buffer[offset + size:]
            opcode = first & 0x0F
            if opcode == 0x9:                              # the server's ping: pong
                self.transport.write(ws_frame(payload, 0xA))
            elif opcode == 0x1:
                if not self.done:
                    self.received_at = self._chunk_at
                    self.answer = payload
                    self._finish("")
            elif opcode == 0x8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 0
                self._finish(f"websocket closed {code}")
            elif opcode != 0xA:
                self._finish(f"unexpected opcode {opcode}")

    def _finish(self, error: str) -> None:
        if self.done:
            return
        self.done = True
        self.error = error
        self.finished()


def ws_frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One masked client frame (RFC 6455 5.3: a client masks every frame)."""
    mask = secrets.token_bytes(4)
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 2 ** 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgrade_request(host: str, port: int) -> bytes:
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    return (f"GET /websocket HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n\r\n").encode()


def subscribe_frame(last: int) -> bytes:
    return ws_frame(orjson.dumps({"event_name": "subscribe",
                                  "data": {"channels": [CHANNEL], "last": last}}))


async def _open(loop: asyncio.AbstractEventLoop, host: str, port: int, me: Listener,
                gate: asyncio.Semaphore) -> None:
    try:
        async with gate:
            await loop.create_connection(lambda: me, host, port)
            if me.kind == "ws":
                await me.upgraded       # the subscribe is sent once the upgrade is answered
        me.connected = not me.error
    except OSError as exc:
        me.error = f"{type(exc).__name__}: {exc}"
        me.done = True


async def hold_clients(base_url: str, pollers: int, sockets: int, last: int,
                       connected: Callable[[list[Listener]], Any],
                       wait_for_send: Callable[[], Any], token: str,
                       deadline: float = 60.0,
                       received: Callable[[list[Listener]], Any] | None = None
                       ) -> list[Listener]:
    """Open the clients, call ``connected(listeners)`` once every one is in (or failed),
    await ``wait_for_send()`` (the notification has been committed), then wait up to
    ``deadline`` s for every connected client to receive, and await
    ``received(listeners)`` before closing the connections (so their closing is not
    charged to the fan-out); answers the listeners."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(OPENING)
    all_done = asyncio.Event()
    remaining = pollers + sockets

    def finished() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining <= 0:
            all_done.set()

    upgrade = upgrade_request(host, port)
    subscribe = subscribe_frame(last)
    listeners = ([Listener("poll", poll_request(host, port, last, index), b"", finished)
                  for index in range(pollers)]
                 + [Listener("ws", upgrade, subscribe, finished) for _ in range(sockets)])
    await asyncio.gather(*(_open(loop, host, port, me, gate) for me in listeners))
    for me in listeners:
        if me.done and not me.connected:
            finished()                  # failed to open: nothing to wait for
    await connected(listeners)
    await wait_for_send()
    if remaining > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_done.wait(), deadline)
    for me in listeners:
        if me.connected and not me.received_at and not me.error:
            me.error = f"nothing received within {deadline:g} s"
        elif me.received_at and not me.error and not is_ours(me.notifications(), token):
            me.error = f"not the bench's notification: {me.answer[:160]!r}"
    if received is not None:
        await received(listeners)
    for me in listeners:
        if me.transport is not None:
            me.transport.close()
    await asyncio.sleep(0)
    return listeners


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(message).decode() + "\n")
    sys.stdout.flush()


async def _read_line() -> bytes:
    return await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.readline)


def _summary(listeners: list[Listener]) -> dict[str, Any]:
    errors: dict[str, int] = {}
    for me in listeners:
        if me.error:
            errors[me.error[:160]] = errors.get(me.error[:160], 0) + 1
    return {
        "polls": sum(me.connected for me in listeners if me.kind == "poll"),
        "sockets": sum(me.connected for me in listeners if me.kind == "ws"),
        "received": [me.received_at for me in listeners if me.received_at and not me.error],
        "errors": errors,
    }


async def _client_main(args: argparse.Namespace) -> None:
    async def connected(listeners: list[Listener]) -> None:
        _emit({"connected": {k: v for k, v in _summary(listeners).items() if k != "received"}})

    async def wait_for_send() -> None:
        await _read_line()

    async def received(listeners: list[Listener]) -> None:
        _emit({"done": _summary(listeners)})
        await _read_line()        # the coordinator has read the gateway's CPU: close

    await hold_clients(args.url, args.pollers, args.sockets, args.last, connected,
                       wait_for_send, args.token, args.deadline, received)


def client_main(argv: list[str] | None = None) -> None:
    """``python -m bench.bus --url URL --pollers N --sockets M --last ID --token T``: one
    load process. Prints a ``connected`` line once its clients are in, waits for a
    line on stdin (the commit happened), prints a ``done`` line with the arrivals, and
    closes its clients after one more line on stdin."""
    parser = argparse.ArgumentParser(prog="python -m bench.bus")
    parser.add_argument("--url", required=True)
    parser.add_argument("--pollers", type=int, default=0)
    parser.add_argument("--sockets", type=int, default=0)
    parser.add_argument("--last", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--deadline", type=float, default=60.0)
    args = parser.parse_args(argv)
    raise_fd_limit()
    asyncio.run(_client_main(args))


# -- the coordinator ----------------------------------------------------------------------

@dataclass
class BusRun:
    backend: str
    label: str                        # "long-poll", "websocket", "both"
    pollers: int                      # asked for
    sockets: int
    polls_held: int = 0               # connected
    sockets_held: int = 0
    rss_idle_mib: float = 0.0
    rss_held_mib: float = 0.0
    commit_ms: float = 0.0            # the committing unit of work, start to return
    latencies: list[float] = field(default_factory=list)   # s, commit returned -> arrival
    errors: dict[str, int] = field(default_factory=dict)
    connect_s: float = 0.0            # time to open every client
    fanout_cpu_ms: float = 0.0        # the gateway's CPU from the commit to the last arrival
    clients_cpu_ms: float = 0.0       # ... the load processes' CPU over the same time
    pg_cpu_ms: float = 0.0            # ... PostgreSQL's (the commit and the hub's read)
    other_pct: float = 0.0            # host CPU outside the bench then (% of one core)
    server_log: str = ""

    @property
    def held(self) -> int:
        return self.polls_held + self.sockets_held

    @property
    def kib_per_client(self) -> float | None:
        if not self.held:
            return None
        return (self.rss_held_mib - self.rss_idle_mib) * 1024 / self.held

    @property
    def received(self) -> int:
        return len(self.latencies)

    def quantile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def last_s(self) -> float | None:
        return max(self.latencies) if self.latencies else None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


async def _with_backend(target: Target, work: Callable[[Any, Any], Any]) -> Any:
    from gateway import bootstrap
    from gateway.config import load

    config = load(environ=target.gateway_env(), search=False)
    backend = bootstrap.backend_for(config)
    registry = bootstrap.registry_for(backend, config)
    await backend.start()
    try:
        return await work(backend, registry)
    finally:
        await backend.close()


def newest_id(target: Target) -> int:
    from models import bus

    async def work(backend: Any, _registry: Any) -> int:
        return await backend.run_unit(bus.newest_id, readonly=True)

    return asyncio.run(_with_backend(target, work))


async def commit_notification(backend: Any, registry: Any, token: str) -> tuple[float, float]:
    """One ``system_notification`` on the bench channel, committed by this process.
    Answers (time.time() when the commit returned, seconds the unit took)."""
    from models import bus
    from models.env import Env

    async def unit(cr: Any) -> None:
        await bus.send(Env(cr, registry, None), CHANNEL, EVENT, {
            "title": "bench", "message": "one notification to every listener",
            "level": "info", "token": token})

    start = time.perf_counter()
    await backend.run_unit(unit)
    done = time.time()
    return done, time.perf_counter() - start


def gateway_env(target: Target, port: int) -> dict[str, str]:
    env = target.gateway_env(port)
    env["GATEWAY_LONGPOLLING_TIMEOUT"] = str(LONGPOLL_TIMEOUT)
    if target.kind == "sqlite":
        env["GATEWAY_BUS_POLL_INTERVAL"] = str(SQLITE_POLL)
    return env


def _warm_up(base_url: str, last: int) -> None:
    """One of each request first: the gateway's lazy imports and first-use caches are
    part of its idle size, not of the clients'."""
    async def both() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session:
            async with session.post(base_url + "/longpolling/poll", json={
                    "jsonrpc": "2.0", "method": "call", "id": 0,
                    "params": {"channels": [CHANNEL], "last": last,
                               "options": {"peek": True}}}) as answer:
                await answer.read()
            async with session.ws_connect(base_url + "/websocket") as ws:
                await ws.send_str(orjson.dumps({"event_name": "subscribe", "data": {
                    "channels": [CHANNEL], "last": last}}).decode())
                await asyncio.sleep(0.2)
    asyncio.run(both())


def _spawn_clients(base_url: str, pollers: int, sockets: int, last: int, token: str,
                   workdir: str, deadline: float) -> list[subprocess.Popen]:
    count = max(1, math.ceil((pollers + sockets) / PER_PROCESS))
    env = clean_environ({"PYTHONPATH": servers.REPO + (
        os.pathsep + os.environ["PYTHONPATH"] if os.environ.get("PYTHONPATH") else "")})
    processes = []
    for index in range(count):
        mine_p = pollers // count + (1 if index < pollers % count else 0)
        mine_s = sockets // count + (1 if index < sockets % count else 0)
        log = open(os.path.join(workdir, f"bus-client-{index}.log"), "ab")
        try:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "bench.bus", "--url", base_url, "--pollers", str(mine_p),
                 "--sockets", str(mine_s), "--last", str(last), "--token", token,
                 "--deadline", str(deadline)],
                cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=log))
        finally:
            log.close()
    return processes


def _read_message(process: subprocess.Popen, key: str, workdir: str) -> dict[str, Any]:
    line = process.stdout.readline() if process.stdout else b""
    if not line:
        tail = ""
        for name in sorted(os.listdir(workdir)):
            if name.startswith("bus-client-"):
                with open(os.path.join(workdir, name), errors="replace") as handle:
                    tail += handle.read()[-2000:]
        raise RuntimeError(f"a bus load process ended before '{key}':\n{tail}")
    return orjson.loads(line)[key]


def _ticks(processes: list[subprocess.Popen]) -> int:
    return sum(procstat.process_ticks(process.pid) for process in processes)


def _tell(processes: list[subprocess.Popen], line: bytes) -> None:
    for process in processes:
        if process.stdin and process.poll() is None:
            process.stdin.write(line)
            process.stdin.flush()


def _merge(errors: dict[str, int], more: dict[str, int]) -> None:
    for text, count in more.items():
        errors[text] = errors.get(text, 0) + count


def run(target: Target, label: str, pollers: int, sockets: int,
        log: Callable[[str], None], deadline: float = 60.0) -> BusRun:
    """One measurement on a fresh gateway: hold the clients, commit one notification."""
    raise_fd_limit()
    result = BusRun(target.kind, label, pollers, sockets)
    last = newest_id(target)
    token = secrets.token_hex(8)
    port = servers.free_port()
    gateway = servers._start("gateway", [os.path.join(servers.BIN, "gateway"), "serve"],
                             target.workdir, clean_environ(gateway_env(target, port)), port)
    clients: list[subprocess.Popen] = []
    try:
        _warm_up(gateway.base_url, last)
        procstat.wait_idle(gateway.pid)
        result.rss_idle_mib = procstat.rss_mib(gateway.pid)
        started = time.monotonic()
        clients = _spawn_clients(gateway.base_url, pollers, sockets, last, token,
                                 target.workdir, deadline)
        for process in clients:
            got = _read_message(process, "connected", target.workdir)
            result.polls_held += got["polls"]
            result.sockets_held += got["sockets"]
            _merge(result.errors, got["errors"])
        result.connect_s = time.monotonic() - started
        procstat.wait_idle(gateway.pid, limit_pct=5.0, window=0.5)   # last subscriptions
        result.rss_held_mib = procstat.rss_mib(gateway.pid)
        procstat.wait_quiet(QUIET_PCT, max_wait=QUIET_WAIT)   # as the HTTP cases do

        marks: dict[str, Any] = {}

        async def notify(backend: Any, registry: Any) -> tuple[float, float]:
            await backend.run_unit(lambda cr: asyncio.sleep(0))      # a warm connection
            # the CPU window opens here: building the registry above is not the fan-out's
            marks["before"] = procstat.Snapshot.take(gateway.pid, target.pg_dbname)
            marks["clients"] = _ticks(clients)
            marks["self"] = procstat.process_ticks(os.getpid())
            return await commit_notification(backend, registry, token)

        committed_at, took = asyncio.run(_with_backend(target, notify))
        result.commit_ms = took * 1000
        _tell(clients, b"sent\n")
        for process in clients:
            done = _read_message(process, "done", target.workdir)
            result.latencies.extend(at - committed_at for at in done["received"])
            _merge(result.errors, done["errors"])
        after = procstat.Snapshot.take(gateway.pid, target.pg_dbname)
        clients_ticks = _ticks(clients) - marks["clients"]
        own_ticks = procstat.process_ticks(os.getpid()) - marks["self"]
        usage = procstat.usage(marks["before"], after, clients_ticks + own_ticks)
        result.fanout_cpu_ms, result.pg_cpu_ms = usage.server_ms, usage.pg_ms
        result.clients_cpu_ms = clients_ticks * 1000 / procstat.TICKS
        result.other_pct = usage.other_pct
        _tell(clients, b"close\n")
        if gateway.process.poll() is not None:
            result.errors["the gateway died"] = 1
    finally:
        for process in clients:
            if process.stdin is not None:
                process.stdin.close()     # a load process still waiting reads EOF: it ends
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if result.error_count:
            result.server_log = gateway.log_tail()
        gateway.stop()
    return result


def combined_size(wanted: int) -> int:
    """Clients of each kind one gateway can hold at once under the descriptor limit."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        return wanted
    return max(0, min(wanted, (hard - GATEWAY_SPARE_FDS) // 2))


def plan(clients: int) -> list[tuple[str, int, int]]:
    """(label, long-pollers, websockets) of each run: each kind alone at full size, then
    both at once (as many as the descriptor limit allows)."""
    both = combined_size(clients)
    return [("long-poll", clients, 0), ("websocket", 0, clients), ("both", both, both)]


def describe(run_: BusRun) -> str:
    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value * 1000:,.0f}"
    return (f"held {run_.polls_held:,}/{run_.pollers:,} long-polls + "
            f"{run_.sockets_held:,}/{run_.sockets:,} websockets in {run_.connect_s:.1f} s; "
            f"RSS {run_.rss_idle_mib:.0f} -> {run_.rss_held_mib:.0f} MiB"
            f" ({_kib(run_.kib_per_client)} KiB/client); commit {run_.commit_ms:.1f} ms; "
            f"received {run_.received:,}; commit->first {ms(run_.quantile(0))} ms, "
            f"commit->last {ms(run_.last_s)} ms, "
            f"p50 {ms(run_.quantile(0.5))} ms, p99 {ms(run_.quantile(0.99))} ms; "
            f"CPU over the fan-out: gateway {run_.fanout_cpu_ms:,.0f} ms, load processes "
            f"{run_.clients_cpu_ms:,.0f} ms, PostgreSQL {run_.pg_cpu_ms:,.0f} ms, "
            f"other {run_.other_pct:.0f} % of a core; "
            f"errors {run_.error_count}")


def _kib(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    client_main()
