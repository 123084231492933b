"""Server-side sessions for aiohttp-session, stored in the database.

The cookie is Odoo's: ``session_id``, 40 hex characters, HttpOnly, 7 days.
Its value is only a key; the data stays in the ``http_session`` table, so a
logout or a password change ends the session everywhere at once, which a
cookie-only storage cannot do. Every process reads the same table, so
workers and hosts behind a load balancer share sessions.

Loading a session also reads its user's ``write_date``, exposed as the
session's ``user_version``: the RPC front passes it on, and the user's access
facts come from the per-process cache without another query.

A new session (``new_session`` at login) gets a fresh id when saved and the
id the browser presented before is deleted: the rotation Odoo does at login.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any

from aiohttp import web
from aiohttp_session import AbstractStorage, Session

from models.db import Backend, Cursor
from models.fields import DATETIME_FORMAT
from models.http_session import HttpSession
from models.res_users import ResUsers
from peewee import JOIN

SID = re.compile(r"[0-9a-f]{40}")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class DatabaseStorage(AbstractStorage):
    def __init__(self, backend: Backend, max_age: int, secure: bool = False) -> None:
        super().__init__(cookie_name="session_id", max_age=max_age, httponly=True,
                         secure=secure, samesite="Lax", path="/",
                         encoder=json.dumps, decoder=json.loads)
        self.backend = backend

    def _cookie_sid(self, request: web.Request) -> str | None:
        sid = self.load_cookie(request)
        return sid if sid and SID.fullmatch(sid) else None

    async def load_session(self, request: web.Request) -> Session:
        sid = self._cookie_sid(request)
        if sid is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        now = _now().strftime(DATETIME_FORMAT)

        async def unit(cr: Cursor) -> Any:
            rows = await cr.static_rows("http_session.load", lambda: HttpSession.select(
                HttpSession.data, ResUsers.write_date, ResUsers.active
            ).join(ResUsers, JOIN.LEFT_OUTER, on=(ResUsers.id == HttpSession.uid)).where(
                (HttpSession.sid == "") & (HttpSession.expiry > "")), [sid, now])
            return rows[0] if rows else None

        row = await self.backend.run_unit(unit, readonly=True)
        if row is None:
            return Session(None, data=None, new=True, max_age=self.max_age)
        session = Session(sid, data=self._decoder(row[0]), new=False, max_age=self.max_age)
        # The user's version rides along, so the user's cached access facts need no
        # second query (see ResUsers._user_info); an archived user has none.
        session.user_version = row[1] if row[2] else None  # type: ignore[attr-defined]
        return session

    async def save_session(self, request: web.Request, response: web.StreamResponse,
                           session: Session) -> None:
        previous = self._cookie_sid(request)
        if session.empty:
            doomed = [sid for sid in (session.identity, previous) if sid]
            if doomed:
                await self._delete(doomed)
            self.save_cookie(response, "", max_age=session.max_age)
            return
        sid = session.identity
        if sid is None:
            sid = secrets.token_hex(20)
            session.set_new_identity(sid)
        data = self._encoder(self._get_session_data(session))
        now = _now()
        expiry = now + dt.timedelta(seconds=self.max_age or 604800)
        uid = session.get("uid")

        async def unit(cr: Cursor) -> None:
            if previous and previous != sid:
                await cr.run(HttpSession.delete().where(HttpSession.sid == previous))
            await cr.run(HttpSession.insert({
                HttpSession.sid: sid, HttpSession.uid: uid if isinstance(uid, int) else None,
                HttpSession.data: data, HttpSession.create_date: now.strftime(DATETIME_FORMAT),
                HttpSession.expiry: expiry.strftime(DATETIME_FORMAT),
            }).on_conflict(conflict_target=[HttpSession.sid], update={
                HttpSession.data: data, HttpSession.uid: uid if isinstance(uid, int) else None,
                HttpSession.expiry: expiry.strftime(DATETIME_FORMAT)}))

        await self.backend.run_unit(unit)
        self.save_cookie(response, sid, max_age=session.max_age)

    async def _delete(self, sids: list[str]) -> None:
        async def unit(cr: Cursor) -> None:
            await cr.run(HttpSession.delete().where(HttpSession.sid.in_(sids)))
        await self.backend.run_unit(unit)

    async def purge_expired(self) -> int:
        now = _now().strftime(DATETIME_FORMAT)

        async def unit(cr: Cursor) -> int:
            return await cr.run(HttpSession.delete().where(HttpSession.expiry <= now))
        return await self.backend.run_unit(unit)
