"""Server-side sessions for aiohttp-session, stored in the database.

The cookie is Odoo's: ``session_id``, 40 hex characters, HttpOnly, 7 days.
Its value is only a key; the data stays in the ``http_session`` table, so a
logout or a password change ends the session everywhere, which a cookie-only
storage cannot do. Every process reads the same table, so workers and hosts
behind a load balancer share sessions.

Loading a session also reads the access version (``models/access_version.py``),
exposed as the session's ``user_version``: the RPC front passes it on, and the
user's access facts come from the per-process cache without another query.

A loaded session is kept in memory for ``cache_seconds`` (0: never), which
saves the one query every ``call_kw`` would otherwise add. Whatever this
process changes (a logout, a new password, a group) applies to its next
request at once: saving or deleting a session updates the cache, and a
committed access change (``access_version.local_changes``) drops it. A change
made through *another* worker reaches this one within ``cache_seconds`` (Odoo
itself keeps a rotated session valid for 120 s).

A new session (``new_session`` at login) gets a fresh id when saved and the
id the browser presented before is deleted: the rotation Odoo does at login.

Logins and logouts reach the bus here (``user_login``/``user_logout``,
``res.users._notify_session``), in the unit that writes or deletes the
session's row: a new session saved with a uid is a login through the web
face, and deleting a session that had a uid is a logout (through the face
:func:`log_out` names, the web face by default). An expired session purged
is no logout: nobody ended it.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from typing import Any

import orjson
from aiohttp import web
from aiohttp_session import AbstractStorage, Session

from models import access_version
from models.db import Backend, Cursor
from models.env import Env
from models.fields import DATETIME_FORMAT
from models.http_session import HttpSession
from models.registry import Registry
from rpc.service import RPC_SERVICE

SID = re.compile(r"[0-9a-f]{40}")
MAX_CACHED = 50_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def _encode(value: Any) -> str:
    return orjson.dumps(value).decode()


def log_out(session: Session, via: str = "web") -> None:
    """End the session when the response is saved; ``via`` is the face named in the
    ``user_logout`` event (a plain ``invalidate()`` is the web face's)."""
    session.invalidate()
    session.logout_via = via  # type: ignore[attr-defined]


def _registry(request: web.Request) -> Registry | None:
    service = request.app.get(RPC_SERVICE)
    return service.registry if service is not None else None


class DatabaseStorage(AbstractStorage):
    def __init__(self, backend: Backend, max_age: int, secure: bool = False,
                 cache_seconds: float = 0) -> None:
        super().__init__(cookie_name="session_id", max_age=max_age, httponly=True,
                         secure=secure, samesite="Lax", path="/",
                         encoder=_encode, decoder=orjson.loads)
        self.backend = backend
        self.cache_seconds = cache_seconds
        #: sid -> (fresh until (monotonic), access changes seen, data as JSON, access version)
        self._cache: dict[str, tuple[float, int, str, Any]] = {}

    def _cookie_sid(self, request: web.Request) -> str | None:
        sid = self.load_cookie(request)
        return sid if sid and SID.fullmatch(sid) else None

    def _remember(self, sid: str, data: str, version: Any) -> None:
        if not self.cache_seconds:
            return
        now = time.monotonic()
        if len(self._cache) >= MAX_CACHED:
            self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
        self._cache[sid] = (now + self.cache_seconds, access_version.local_changes(), data,
                            version)

    def _recall(self, sid: str) -> tuple[str, Any] | None:
        entry = self._cache.get(sid)
        if entry is None:
            return None
        if entry[0] < time.monotonic() or entry[1] != access_version.local_changes():
            del self._cache[sid]
            return None
        return entry[2], entry[3]

    async def load_session(self, request: web.Request) -> Session:
        sid = self._cookie_sid(request)
        if sid is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        found = self._recall(sid)
        if found is None:
            now = _now().strftime(DATETIME_FORMAT)

            async def unit(cr: Cursor) -> Any:
                rows = await cr.static_rows("http_session.load", lambda: HttpSession.select(
                    HttpSession.data, access_version.CURRENT).where(
                        (HttpSession.sid == "") & (HttpSession.expiry > "")), [sid, now])
                return rows[0] if rows else None

            row = await self.backend.run_unit(unit, readonly=True)
            if row is None:
                return Session(None, data=None, new=True, max_age=self.max_age)
            found = (row[0], row[1])
            self._remember(sid, *found)
        session = Session(sid, data=self._decoder(found[0]), new=False, max_age=self.max_age)
        # The access version rides along, so the user's cached access facts need
        # no second query (see ResUsers._user_info).
        session.user_version = found[1]  # type: ignore[attr-defined]
        return session

    async def save_session(self, request: web.Request, response: web.StreamResponse,
                           session: Session) -> None:
        previous = self._cookie_sid(request)
        registry = _registry(request)
        if session.empty:
            doomed = [sid for sid in (session.identity, previous) if sid]
            if doomed:
                await self._delete(doomed, registry, getattr(session, "logout_via", "web"))
            self.save_cookie(response, "", max_age=session.max_age)
            return
        sid = session.identity
        login = False
        if sid is None:
            sid = secrets.token_hex(20)
            session.set_new_identity(sid)
            login = isinstance(session.get("uid"), int)
        data = self._encoder(self._get_session_data(session))
        now = _now()
        expiry = now + dt.timedelta(seconds=self.max_age or 604800)
        uid = session.get("uid")
        row_uid = uid if isinstance(uid, int) else None

        async def unit(cr: Cursor) -> Any:
            if previous and previous != sid:
                await cr.run(HttpSession.delete().where(HttpSession.sid == previous))
            await cr.run(HttpSession.insert({
                HttpSession.sid: sid, HttpSession.uid: row_uid, HttpSession.data: data,
                HttpSession.create_date: now.strftime(DATETIME_FORMAT),
                HttpSession.expiry: expiry.strftime(DATETIME_FORMAT),
            }).on_conflict(conflict_target=[HttpSession.sid], update={
                HttpSession.data: data, HttpSession.uid: row_uid,
                HttpSession.expiry: expiry.strftime(DATETIME_FORMAT)}))
            if login and registry is not None:
                await registry["res.users"]._notify_session(Env(cr, registry, None), row_uid,
                                                            "user_login", "web")
            return await cr.fetchval(*cr.sql(access_version.AccessVersion.select(
                access_version.AccessVersion.value).where(access_version.AccessVersion.id == 1)))

        version = await self.backend.run_unit(unit)
        self._cache.pop(previous or "", None)
        self._remember(sid, data, version)
        self.save_cookie(response, sid, max_age=session.max_age)

    async def _delete(self, sids: list[str], registry: Registry | None = None,
                      via: str = "web") -> None:
        """Delete sessions; each that had a user is a logout (``via``) on the bus."""
        for sid in sids:
            self._cache.pop(sid, None)

        async def unit(cr: Cursor) -> None:
            ended = [row[0] for row in await cr.rows(
                HttpSession.select(HttpSession.uid).where(
                    HttpSession.sid.in_(sids) & HttpSession.uid.is_null(False)))]
            await cr.run(HttpSession.delete().where(HttpSession.sid.in_(sids)))
            if registry is not None:
                for uid in dict.fromkeys(ended):
                    await registry["res.users"]._notify_session(Env(cr, registry, None), uid,
                                                                "user_logout", via)
        await self.backend.run_unit(unit)

    async def purge_expired(self) -> int:
        now = _now().strftime(DATETIME_FORMAT)

        async def unit(cr: Cursor) -> int:
            return await cr.run(HttpSession.delete().where(HttpSession.expiry <= now))
        return await self.backend.run_unit(unit)
