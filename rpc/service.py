"""What the RPC handlers share: the database, the registry, the settings,
and the few operations every front needs (who is calling, run a method)."""
from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterator

from aiohttp import web

from models import payment_events
from models.db import Backend, Cursor
from models.env import Env, UserInfo
from models.exceptions import AccessDenied, AccessError, SessionExpired, UserError
from models.registry import Registry


@dataclass(frozen=True)
class RpcSettings:
    db_name: str
    server_version: str = "17.0"
    list_db: bool = True
    dbfilter: str = ""
    debug: bool = False
    admin_passwd: str = "admin"
    max_body_size: int = 16 * 1024 * 1024
    #: Seconds a call may run (Odoo's limit_time_real); past it the call is
    #: cancelled, its transaction rolled back, and the caller gets an error.
    limit_time_real: float = 120.0


class RpcService:
    def __init__(self, backend: Backend, registry: Registry, settings: RpcSettings) -> None:
        self.backend = backend
        self.registry = registry
        self.settings = settings
        self.deadlines = Deadlines(settings.limit_time_real)
        #: ``Authorization: Bearer <access token>`` -> uid for the session routes
        #: (set by the app to the REST API's check; None: cookies only).
        self.bearer_auth: Callable[[web.Request], Awaitable[int]] | None = None

    # -- databases -------------------------------------------------------
    def visible_databases(self, host: str = "") -> list[str]:
        """The one database we serve, if ``dbfilter`` lets this host see it (Odoo's rules)."""
        pattern = self.settings.dbfilter
        if not pattern:
            return [self.settings.db_name]
        hostname = host.split(":")[0]
        subdomain = hostname.split(".")[0] if "." in hostname else hostname
        regex = pattern.replace("%h", re.escape(hostname)).replace("%d", re.escape(subdomain))
        return [self.settings.db_name] if re.match(regex, self.settings.db_name) else []

    def check_db(self, db: Any, host: str = "") -> None:
        if db is not None and db not in self.visible_databases(host):
            raise AccessError("Database not found.")

    # -- units of work -----------------------------------------------------
    async def run(self, fn: Callable[[Cursor], Awaitable[Any]], readonly: bool = False) -> Any:
        """``fn`` in one unit of work; a payment the unit refused is then reported on the
        bus in a unit of its own (models/payment_events.py), for every front alike."""
        try:
            return await self.backend.run_unit(fn, readonly=readonly)
        except UserError as exc:
            await payment_events.report(self.backend, self.registry, exc)
            raise

    def env(self, cr: Cursor, user: UserInfo | None, context: Any = None) -> Env:
        if context is not None and not isinstance(context, dict):
            raise ValueError(f"Invalid context {context!r}: expected a dictionary")
        return Env(cr, self.registry, user, context)

    async def user_env(self, cr: Cursor, uid: int, context: Any = None, *,
                       session: bool = True, version: Any = None) -> Env:
        """The environment of ``uid``; a vanished or archived user ends the session.

        ``version`` is the user's version read along with the session, if any.
        """
        user = await self.registry["res.users"]._user_info(Env(cr, self.registry, None), uid,
                                                            version)
        if user is None:
            raise SessionExpired() if session else AccessDenied()
        return self.env(cr, user, context)

    # -- credentials -------------------------------------------------------
    async def authenticate(self, login: Any, password: Any, interactive: bool,
                           ip: str | None = None) -> int:
        """uid for a login; API keys only for non-interactive logins, as in Odoo.
        ``ip``: the client address (``request.remote``), for the login cooldown."""
        async def unit(cr: Cursor) -> int:
            env = Env(cr, self.registry, None)
            return await self.registry["res.users"]._authenticate(
                env, login, password, allow_apikey=not interactive, ip=ip)
        return await self.run(unit, readonly=True)

    async def check_credentials(self, cr: Cursor, uid: Any, password: Any) -> None:
        await self.registry["res.users"]._check_uid_password(Env(cr, self.registry, None),
                                                              uid, password)


class Deadlines:
    """Cancel calls that outlive ``limit_time_real``; their unit of work rolls back.

    A watchdog looks once a second instead of arming a timer per call: a
    timer costs about 6 µs on every request, the bookkeeping here a dict
    insert, and a grain of a second (or a quarter of a shorter limit) is
    plenty. The
    cancelled call ends in a TimeoutError, which each front answers in its
    protocol.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()

    def __call__(self) -> "_Guard":
        return _Guard(self)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Time spent waiting for other people's commits is not the call's own work.

        A long-poll or a hardware event poll waits up to its own timeout (Odoo's
        50 s) whatever ``limit_time_real`` is, as in Odoo, whose long-polling worker
        has no time limit; the call's own work before and after the wait keeps its
        budget. Off the ``running`` table the watchdog also does not look at the
        thousands of idle waiters every second.
        """
        task = asyncio.current_task()
        due = self.running.pop(task, None) if task is not None else None
        if due is None:
            yield
            return
        loop = asyncio.get_running_loop()
        paused_at = loop.time()
        try:
            yield
        finally:
            self.running[task] = due + (loop.time() - paused_at)

    async def watch(self) -> None:
        every = min(1.0, self.seconds / 4)      # a quarter of the limit at most
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(every)
            now = loop.time()
            for task, due in list(self.running.items()):
                if due <= now and task not in self.expired:
                    self.expired.add(task)
                    task.cancel("limit_time_real")


class _Guard:
    __slots__ = ("deadlines", "task")

    def __init__(self, deadlines: Deadlines) -> None:
        self.deadlines = deadlines
        self.task: asyncio.Task[Any] | None = None

    def __enter__(self) -> None:
        self.task = task = asyncio.current_task()
        if task is not None:
            self.deadlines.running[task] = (asyncio.get_running_loop().time()
                                            + self.deadlines.seconds)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        task = self.task
        if task is None:
            return
        self.deadlines.running.pop(task, None)
        if task in self.deadlines.expired:
            self.deadlines.expired.discard(task)
            if exc_type is asyncio.CancelledError:
                task.uncancel()
                raise TimeoutError(
                    f"The request took longer than limit_time_real "
                    f"({self.deadlines.seconds:g} s) and was cancelled.") from None


def deadline(service: RpcService) -> _Guard:
    return service.deadlines()


RPC_SERVICE = web.AppKey("rpc_service", RpcService)
