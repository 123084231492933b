"""What the RPC handlers share: the database, the registry, the settings,
and the few operations every front needs (who is calling, run a method)."""
from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable

from aiohttp import web

from models.db import Backend, Cursor
from models.env import Env, UserInfo
from models.exceptions import AccessDenied, AccessError, SessionExpired
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
        return await self.backend.run_unit(fn, readonly=readonly)

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
    async def authenticate(self, login: Any, password: Any, interactive: bool) -> int:
        """uid for a login; API keys only for non-interactive logins, as in Odoo."""
        async def unit(cr: Cursor) -> int:
            env = Env(cr, self.registry, None)
            return await self.registry["res.users"]._authenticate(
                env, login, password, allow_apikey=not interactive)
        return await self.run(unit, readonly=True)

    async def check_credentials(self, cr: Cursor, uid: Any, password: Any) -> None:
        await self.registry["res.users"]._check_uid_password(Env(cr, self.registry, None),
                                                              uid, password)


@contextlib.asynccontextmanager
async def deadline(service: RpcService) -> AsyncIterator[None]:
    """Cancel a call that outlives ``limit_time_real``; its unit of work rolls back."""
    seconds = service.settings.limit_time_real
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise TimeoutError(f"The request took longer than limit_time_real ({seconds:g} s) "
                           "and was cancelled.") from None


RPC_SERVICE = web.AppKey("rpc_service", RpcService)
