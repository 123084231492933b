"""``res.users.auth.token``: the refresh tokens of the REST API, grouped in families.

A login opens a *family* (one device's session); each use of a refresh
token marks it used and issues the next one of the same family (rotation).
Only the SHA-256 of a token is stored; the token itself (256 random bits) is
shown once. Presenting a token that was already used means two parties hold
it, so the whole family is revoked (reuse detection, OAuth 2.0 Security BCP
4.14). Access tokens (JWTs, ``gateway/api/tokens.py``) name their family in
``sid``: a revoked family, a new password or an archived user ends them at
once, not at their expiry.

Not readable over RPC but by the superuser (no model rights are declared),
and never the hash (``_private_fields``).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

import peewee

from . import bus
from . import fields as F
from .base import BaseModel, now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

#: Longest user agent kept (a client can send anything).
USER_AGENT_MAX = 256


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _later(**delta: float) -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(**delta)).strftime(F.DATETIME_FORMAT)


class ResUsersAuthToken(BaseModel):
    _name = "res.users.auth.token"
    _description = "REST API Refresh Token"
    _order = "id"
    _private_fields = ("token_hash",)

    user_id = F.Many2one("res.users", "User", required=True, readonly=True, ondelete="cascade")
    family = F.Char("Family", size=32, required=True, readonly=True, index=True,
                    help="All the tokens of one login, rotated one after the other")
    token_hash = F.Char("Token hash", size=64, required=True, readonly=True, unique=True)
    user_agent = F.Char("User agent", readonly=True)
    ip = F.Char("IP address", size=64, readonly=True)
    expires = F.Datetime("Expires", required=True, readonly=True)
    used_at = F.Datetime("Used on", readonly=True)
    replaced_by = F.Integer("Replaced by", readonly=True)
    revoked = F.Boolean("Revoked", default=False, readonly=True)

    # -- issue and rotate ----------------------------------------------------
    @classmethod
    async def _issue(cls, env: "Env", uid: int, *, days: float, user_agent: str | None = None,
                     ip: str | None = None, family: str | None = None) -> dict[str, Any]:
        """A new token for ``uid`` (in ``family``, or a new one): {token, family, expires, id}."""
        token = secrets.token_urlsafe(32)
        family = family or secrets.token_hex(16)
        expires = _later(days=days)
        now = now_utc()
        (new_id,) = await env.cr.insert(cls.insert({
            cls.user_id: uid, cls.family: family, cls.token_hash: token_hash(token),
            cls.user_agent: (user_agent or "")[:USER_AGENT_MAX] or None, cls.ip: ip,
            cls.expires: expires, cls.revoked: False,
            cls.create_uid: uid, cls.write_uid: uid, cls.create_date: now, cls.write_date: now,
        }).returning(cls.id))
        return {"token": token, "family": family, "expires": expires, "id": new_id}

    @classmethod
    async def _rotate(cls, env: "Env", token: Any, *, days: float, user_agent: str | None = None,
                      ip: str | None = None) -> dict[str, Any] | None:
        """Spend ``token`` and issue its successor: {uid, token, family, expires}.

        None when the token is unknown, expired, revoked, its user archived, or
        already used; in the last case the whole family is revoked, so the caller
        must commit this unit before refusing.
        """
        if not isinstance(token, str) or not 20 <= len(token) <= 128:
            return None
        from .res_users import ResUsers
        row = await env.cr.first(
            cls.select(cls.id, cls.user_id, cls.family, cls.used_at, cls.revoked, cls.expires,
                       ResUsers.active)
            .join(ResUsers, on=(ResUsers.id == cls.user_id))
            .where(cls.token_hash == token_hash(token)))
        if row is None:
            return None
        token_id, uid, family, used_at, revoked, expires, active = row
        if revoked or not active or str(expires) <= now_utc():
            return None
        now = now_utc()
        unused = (cls.id == token_id) & cls.used_at.is_null() & (cls.revoked == False)  # noqa: E712
        if used_at is not None or not await env.cr.run(
                cls.update({cls.used_at: now, cls.write_date: now}).where(unused)):
            await cls._revoke(env, uid, family=family)
            return None
        issued = await cls._issue(env, uid, days=days, user_agent=user_agent, ip=ip,
                                  family=family)
        await env.cr.run(cls.update({cls.replaced_by: issued["id"]}).where(cls.id == token_id))
        return {"uid": uid, **issued}

    # -- revoke ----------------------------------------------------------------
    @classmethod
    async def _revoke(cls, env: "Env", uid: int | list[int], *, family: str | None = None) -> int:
        """Revoke one family of ``uid`` (or all of the user's families); the number of tokens."""
        uids = uid if isinstance(uid, list) else [uid]
        where = cls.user_id.in_(uids) & (cls.revoked == False)  # noqa: E712
        if family is not None:
            where &= cls.family == family
        count = await env.cr.run(cls.update({cls.revoked: True, cls.write_date: now_utc()})
                                 .where(where))
        if count:
            # sockets opened with these tokens end at once, not at the access token's expiry
            for one in uids:
                await bus.send(env, bus.token_channel(one), bus.TOKENS_REVOKED,
                               {"family": family})
        return count

    @classmethod
    async def _family_of(cls, env: "Env", token: Any) -> tuple[int, str] | None:
        """(uid, family) of a refresh token, whatever its state."""
        if not isinstance(token, str) or not 20 <= len(token) <= 128:
            return None
        row = await env.cr.first(cls.select(cls.user_id, cls.family)
                                 .where(cls.token_hash == token_hash(token)))
        return (row[0], row[1]) if row else None

    # -- sessions ----------------------------------------------------------------
    @classmethod
    def _live(cls) -> Any:
        not_revoked = cls.revoked == False  # noqa: E712
        return not_revoked & cls.used_at.is_null() & (cls.expires > now_utc())

    @classmethod
    async def _session_alive(cls, env: "Env", uid: int, family: Any) -> bool:
        """Does ``family`` of ``uid`` still hold a usable token (access tokens check this)?"""
        if not isinstance(family, str) or len(family) != 32:
            return False
        return await env.cr.first(cls.select(cls.id).where(
            (cls.user_id == uid) & (cls.family == family) & cls._live()).limit(1)) is not None

    @classmethod
    async def _sessions(cls, env: "Env", uid: int) -> list[dict[str, Any]]:
        """The user's open families, newest first: where and when each was opened and last used."""
        live = {family: (expires, agent, ip, last) for family, expires, agent, ip, last in
                await env.cr.rows(cls.select(cls.family, cls.expires, cls.user_agent, cls.ip,
                                             cls.create_date)
                                  .where((cls.user_id == uid) & cls._live()))}
        if not live:
            return []
        opened = {family: first for family, first in await env.cr.rows(
            cls.select(cls.family, peewee.fn.MIN(cls.create_date))
            .where((cls.user_id == uid) & cls.family.in_(list(live)))
            .group_by(cls.family))}
        sessions = [{"family": family, "created": str(opened[family]), "last_used": str(last),
                     "expires": str(expires), "user_agent": agent, "ip": ip}
                    for family, (expires, agent, ip, last) in live.items()]
        sessions.sort(key=lambda s: s["last_used"], reverse=True)
        return sessions

    @classmethod
    async def _purge(cls, env: "Env", days: float = 30) -> int:
        """Delete tokens expired more than ``days`` ago (reuse of older ones is moot)."""
        limit = _later(days=-days)
        return await env.cr.run(cls.delete().where(cls.expires < limit))
