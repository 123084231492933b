"""The bus hub: one per process, it reads new notification rows once and hands
them to every waiting client of the process (long-pollers, websockets, kitchen
screens).

Why one reader: ten thousand idle clients must not mean ten thousand queries
per notification. The hub keeps a cursor (the highest id it has read), reads
``id > cursor`` when woken, and fans the rows out in memory by channel. It also
keeps the most recent rows (a ring), so a client that comes back with a recent
``last`` is answered without a query.

Why the cursor is safe: ids are handed out in commit order (models/bus.py), so
once a row is visible every row with a smaller id is visible too.

Wake-ups: after a commit in this process (models/bus.py ``committed``); from
other processes through PostgreSQL ``LISTEN`` (the flush's ``pg_notify``) or,
when ``redis_url`` is set, Redis pub/sub; and every ``poll_interval`` seconds
whatever happens, so a lost wake-up (a listener reconnecting) costs a delay,
never a notification. The hub lives beside the table in models/ because both
the Odoo front (rpc/) and the REST front (gateway/api/) stand on it.
"""
from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
from typing import Any, Awaitable, Callable, Iterable

from . import bus
from .bus import Row

_logger = logging.getLogger(__name__)

#: Rows read per query.
FETCH_LIMIT = 1000


class Subscription:
    """One client's interest: its channels and the last id it has been given.

    Rows arriving for it are kept in ``pending`` until its consumer takes them
    (:meth:`take`); ``last`` only moves past rows that went into ``pending``, so
    nothing is skipped and nothing is given twice.
    """

    __slots__ = ("hub", "channels", "last", "pending", "_waiter", "_held", "closed", "on_ready")

    def __init__(self, hub: "BusHub", channels: frozenset[str], last: int) -> None:
        self.hub = hub
        self.channels = channels
        self.last = last
        self.pending: list[Row] = []
        self._waiter: asyncio.Future[None] | None = None
        #: Rows that arrived while the backlog was being read (None once live).
        self._held: list[Row] | None = []
        self.closed = False
        #: A websocket's sender: awaited when rows arrive (all of a dispatch's in one task),
        #: instead of a task waiting per socket.
        self.on_ready: Callable[[], Awaitable[None]] | None = None

    def _receive(self, rows: list[Row]) -> None:
        if self._held is not None:
            self._held.extend(rows)
            return
        fresh = [row for row in rows if row[0] > self.last]
        if not fresh:
            return
        self.last = fresh[-1][0]
        self.pending.extend(fresh)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
        if self.on_ready is not None:
            self.hub._ready.append(self)

    def take(self) -> list[Row]:
        rows, self.pending = self.pending, []
        return rows

    async def wait(self, timeout: float | None = None) -> list[Row]:
        """The rows that arrive next (at once if some are pending); [] after ``timeout``
        or when the hub closes."""
        if not self.pending and not self.closed:
            # a plain future under a timer: ten thousand waiting polls must not each
            # carry a shield, a wrapper task and their callbacks (measured by make bench)
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._waiter
            except TimeoutError:        # nothing came: the caller answers [] (Odoo's timeout)
                return self.take()
            finally:
                self._waiter = None
        return self.take()

    def wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class BusHub:
    def __init__(self, backend: Any, *, redis_url: str = "", redis_channel: str = "",
                 poll_interval: float = 5.0, ring_size: int = 20_000,
                 replay_seconds: float = bus.TIMEOUT) -> None:
        self.backend = backend
        self.redis_url = redis_url
        self.redis_channel = redis_channel or f"{bus.NOTIFY_CHANNEL}:{backend.url}"
        self.poll_interval = poll_interval
        self.ring_size = ring_size
        self.replay_seconds = replay_seconds
        self.cursor = 0
        #: Recent rows, oldest first, and their ids; complete for ids > ``floor``.
        self._ring: list[Row] = []
        self._ring_ids: list[int] = []
        self.floor = 0
        self._by_channel: dict[str, set[Subscription]] = {}
        #: Subscriptions with a sender that received rows in this dispatch.
        self._ready: list[Subscription] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._stop_local: Callable[[], None] | None = None
        self._redis: Any = None
        self.started = False
        self._closing = False
        self._lost: asyncio.Event | None = None
        #: Whether ``cursor`` was read from the table (it cannot be while the schema is missing).
        self._origin_known = False
        #: Figures for health and the bench.
        self.wakeups = 0
        self.fetches = 0
        self.listener = "in-process"

    # -- life ------------------------------------------------------------------------
    async def start(self) -> None:
        if self.started:
            return
        self._closing = False
        try:
            self.cursor = self.floor = await self.backend.run_unit(bus.newest_id, readonly=True)
            self._origin_known = True
        except Exception as exc:   # no database (yet): the reader takes its origin later
            _logger.warning("bus: cannot read the newest notification yet (%s)", exc)
        self._stop_local = bus.on_commit(self.backend.dialect, self._committed_here)
        self._tasks.append(asyncio.create_task(self._reader(), name="bus hub reader"))
        if self.redis_url:
            import redis.asyncio as redis

            self._redis = redis.from_url(self.redis_url)
            self.listener = "redis"
            self._tasks.append(asyncio.create_task(self._listen_redis(), name="bus hub redis"))
        elif self.backend.kind == "postgresql":
            self.listener = "postgresql"
            self._tasks.append(asyncio.create_task(self._listen_postgres(), name="bus hub listen"))
        self.started = True

    async def close(self) -> None:
        self._closing = True
        if self._lost is not None:
            self._lost.set()          # the LISTEN loop's wait ends now, cancelled or not
        if self._stop_local is not None:
            self._stop_local()
            self._stop_local = None
        for task in [*self._tasks, *self._sending]:
            task.cancel()
        # Bounded, and the loops also stop at _closing: on Python 3.11 a cancellation
        # that lands as asyncpg's connect completes can be lost inside its wait_for, and
        # the listener would go on (a close waiting for it would wait forever).
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        for task in self._tasks:
            if not task.done():
                _logger.warning("bus: %s did not stop", task.get_name())
            elif not task.cancelled() and task.exception() is not None:
                # a listener cut in the middle of a driver call may end in that driver's
                # error: there is nothing left of it to keep
                _logger.debug("bus: %s ended with %r", task.get_name(), task.exception())
        self._tasks.clear()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        for subscriptions in list(self._by_channel.values()):
            for subscription in list(subscriptions):
                subscription.closed = True
                subscription.wake()
        self._by_channel.clear()
        self.started = False

    @property
    def subscribers(self) -> int:
        return len({id(s) for subs in self._by_channel.values() for s in subs})

    # -- wake-ups ----------------------------------------------------------------------
    def _committed_here(self, top: int) -> None:
        if top > self.cursor:
            self._wake.set()
        if self._redis is not None:
            task = asyncio.ensure_future(self._redis.publish(self.redis_channel, str(top)))
            task.add_done_callback(_log_failure)

    def _heard(self, payload: Any) -> None:
        try:
            top = int(payload)
        except (TypeError, ValueError):
            top = self.cursor + 1      # an unreadable wake-up still means "look"
        if top > self.cursor:
            self._wake.set()

    async def _listen_postgres(self) -> None:
        import asyncpg

        delay = 0.5
        while not self._closing:
            lost = self._lost = asyncio.Event()
            conn = None
            try:
                conn = await asyncpg.connect(self.backend.url)
                conn.add_termination_listener(lambda _conn: lost.set())
                await conn.add_listener(bus.NOTIFY_CHANNEL,
                                        lambda _c, _pid, _ch, payload: self._heard(payload))
                delay = 0.5
                self._wake.set()      # whatever committed while nobody listened
                while not lost.is_set() and not conn.is_closed() and not self._closing:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), 30)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                _logger.warning("bus: LISTEN connection failed (%s); retrying in %.1fs",
                                exc, delay)
            finally:
                if conn is not None and not conn.is_closed():
                    conn.terminate()     # no round trip: this may run while being cancelled
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _listen_redis(self) -> None:
        delay = 0.5
        while not self._closing:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self.redis_channel)
                delay = 0.5
                self._wake.set()
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._heard(message.get("data"))
            except (OSError, ConnectionError) as exc:
                _logger.warning("bus: Redis subscription failed (%s); retrying in %.1fs",
                                exc, delay)
            except Exception as exc:   # redis.exceptions.ConnectionError and kin
                _logger.warning("bus: Redis subscription lost (%s); retrying in %.1fs",
                                exc, delay)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _reader(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()
            try:
                await self.fetch()
            except Exception:   # the database blinked: the next round reads again
                _logger.exception("bus: reading new notifications failed")
                await asyncio.sleep(min(self.poll_interval, 1.0))

    async def fetch(self) -> int:
        """Read what committed since the cursor and hand it out; answers the row count."""
        if not self._origin_known:
            self.cursor = self.floor = await self.backend.run_unit(bus.newest_id, readonly=True)
            self._origin_known = True
        count = 0
        while True:
            cursor = self.cursor
            rows = await self.backend.run_unit(
                lambda cr: bus.rows_after(cr, cursor, FETCH_LIMIT), readonly=True)
            self.fetches += 1
            if not rows:
                return count
            self._dispatch(rows)
            count += len(rows)
            if len(rows) < FETCH_LIMIT:
                return count

    def _dispatch(self, rows: list[Row]) -> None:
        rows = [row for row in rows if row[0] > self.cursor]
        if not rows:
            return
        self.cursor = rows[-1][0]
        self.wakeups += 1
        self._ring.extend(rows)
        self._ring_ids.extend(row[0] for row in rows)
        excess = len(self._ring) - self.ring_size
        if excess > self.ring_size // 10:   # trim in steps, not one row at a time
            self.floor = self._ring_ids[excess - 1]
            del self._ring[:excess], self._ring_ids[:excess]
        touched: dict[Subscription, list[Row]] = {}
        for row in rows:
            for subscription in self._by_channel.get(row[1], ()):
                touched.setdefault(subscription, []).append(row)
        for subscription, theirs in touched.items():
            subscription._receive(theirs)
        if self._ready:
            self.send_ready()

    def send_ready(self) -> None:
        """Run the senders of the sockets that got rows, one after the other in one task:
        a send that finds room in its socket's buffer completes without yielding, so a
        dispatch to ten thousand sockets costs one task, not ten thousand."""
        ready, self._ready = self._ready, []
        task = asyncio.ensure_future(_send_all(ready))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    # -- clients -----------------------------------------------------------------------
    async def subscribe(self, channels: Iterable[str], last: int
                        ) -> tuple[Subscription, str | None]:
        """A live subscription; its ``pending`` already holds the backlog after ``last``.

        Answers the subscription and a resync reason (``"reset"``: ``last`` is newer
        than anything the server has; ``"pruned"``: rows after ``last`` were already
        deleted) or None. The caller must :meth:`unsubscribe` it."""
        subscription = Subscription(self, frozenset(channels), max(int(last), 0))
        for channel in subscription.channels:
            self._by_channel.setdefault(channel, set()).add(subscription)
        try:
            backlog, notice = await self._backlog(subscription.channels, subscription.last)
        except BaseException:
            self.unsubscribe(subscription)
            raise
        if notice == "reset":          # the client's last means nothing here: from the start
            subscription.last = 0
        held, subscription._held = subscription._held or [], None
        merged = {row[0]: row for row in backlog}
        for row in held:
            if row[0] > subscription.last and row[1] in subscription.channels:
                merged[row[0]] = row
        rows = [merged[key] for key in sorted(merged)]
        if rows:
            subscription.last = rows[-1][0]
            subscription.pending.extend(rows)
        return subscription, notice

    def unsubscribe(self, subscription: Subscription) -> None:
        subscription.closed = True
        for channel in subscription.channels:
            subscribers = self._by_channel.get(channel)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._by_channel[channel]

    async def _backlog(self, channels: frozenset[str], last: int
                       ) -> tuple[list[Row], str | None]:
        if not channels:
            return [], None
        if last == 0:
            return await self._replay(channels), None
        if last <= self.cursor and last >= self.floor:
            start = bisect.bisect_right(self._ring_ids, last)
            return [row for row in self._ring[start:] if row[1] in channels], None

        async def read(cr: Any) -> tuple[list[Row], str | None, int]:
            low, high = await bus.bounds(cr)
            if last > high:
                return [], "reset", high
            notice = "pruned" if low and last < low - 1 else None
            rows: list[Row] = []
            after = last
            while True:
                batch = await bus.rows_after(cr, after, FETCH_LIMIT, channels)
                rows.extend(batch)
                if len(batch) < FETCH_LIMIT:
                    return rows, notice, high
                after = batch[-1][0]

        rows, notice, _high = await self.backend.run_unit(read, readonly=True)
        if notice == "reset":
            return await self._replay(channels), notice
        return rows, notice

    async def _replay(self, channels: frozenset[str]) -> list[Row]:
        """Odoo's first poll (``last = 0``): what the last ``replay_seconds`` brought."""
        return await self.backend.run_unit(
            lambda cr: bus.recent_rows(cr, self.replay_seconds, FETCH_LIMIT, channels),
            readonly=True)



async def _send_all(ready: list[Subscription]) -> None:
    for subscription in ready:
        if subscription.on_ready is not None and not subscription.closed:
            try:
                await subscription.on_ready()
            except Exception:    # one broken socket must not keep the rows from the others
                _logger.exception("bus: sending to a socket failed")


def _log_failure(task: "asyncio.Future[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        _logger.warning("bus: Redis publish failed: %s", task.exception())
