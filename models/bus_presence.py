"""Who is online: one row per user, touched by their long-polls and websockets.

Odoo's ``bus.presence`` rules (``addons/bus/models/bus_presence.py``): a user
is offline when nothing of theirs has polled for ``DISCONNECTION_TIMER``
seconds, away when their last keyboard or mouse activity (the client sends
its inactivity period) is older than ``AWAY_TIMER``, online otherwise. Kept in
the database rather than in a process, so every gateway process answers the
same for the same user.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import peewee

from . import fields as F
from .base import now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .db import Cursor
    from .env import Env

DISCONNECTION_TIMER = 65
AWAY_TIMER = 1800


class BusPresence(peewee.Model):
    id = peewee.AutoField()
    user_id = peewee.IntegerField(unique=True)
    last_poll = F.Datetime(required=True)
    last_presence = F.Datetime(required=True)

    class Meta:
        table_name = "bus_presence"


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime(F.DATETIME_FORMAT)


async def touch(cr: "Cursor", uid: int, inactivity_ms: Any = None) -> None:
    """A poll (and, with ``inactivity_ms``, the user's last activity) from ``uid``."""
    now = now_utc()
    values: dict[Any, Any] = {BusPresence.user_id: uid, BusPresence.last_poll: now,
                              BusPresence.last_presence: now}
    update: dict[Any, Any] = {BusPresence.last_poll: now}
    if isinstance(inactivity_ms, (int, float)) and not isinstance(inactivity_ms, bool) \
            and 0 <= inactivity_ms < 10 ** 12:
        seen = _stamp(dt.datetime.now(dt.timezone.utc)
                      - dt.timedelta(milliseconds=inactivity_ms))
        values[BusPresence.last_presence] = seen
        update[BusPresence.last_presence] = seen
    await cr.run(BusPresence.insert(values).on_conflict(
        conflict_target=[BusPresence.user_id], update=update))


def status(last_poll: str | None, last_presence: str | None, now: dt.datetime) -> str:
    if not last_poll or last_poll < _stamp(now - dt.timedelta(seconds=DISCONNECTION_TIMER)):
        return "offline"
    if not last_presence or last_presence < _stamp(now - dt.timedelta(seconds=AWAY_TIMER)):
        return "away"
    return "online"


async def im_status(env: "Env", partner_ids: Any) -> list[dict[str, Any]]:
    """``[{"id": partner, "im_status": ...}]`` for the partners the caller may read
    (Odoo: ``res.partner.read(['im_status'])``); a partner without a user is
    ``im_partner``, as Odoo says."""
    if not isinstance(partner_ids, list) or not all(
            isinstance(p, int) and not isinstance(p, bool) for p in partner_ids):
        raise ValueError("partner_ids must be a list of ids")
    readable = await env["res.partner"].search([("id", "in", partner_ids)])
    if not readable:
        return []
    users = env.registry["res.users"]
    rows = await env.cr.rows(
        users.select(users.partner_id, BusPresence.last_poll, BusPresence.last_presence)
        .join(BusPresence, peewee.JOIN.LEFT_OUTER, on=(BusPresence.user_id == users.id))
        .where(users.partner_id.in_(readable)))
    now = dt.datetime.now(dt.timezone.utc)
    found: dict[int, str] = {}
    for partner_id, last_poll, last_presence in rows:
        current = status(last_poll, last_presence, now)
        # a partner with several users shows the most present one
        order = ("offline", "away", "online")
        if order.index(current) >= order.index(found.get(partner_id, "offline")):
            found[partner_id] = current
    return [{"id": pid, "im_status": found.get(pid, "im_partner")} for pid in readable]
