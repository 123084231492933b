"""Notifications: rows written in the same transaction as the change they report.

Business code calls :func:`send`; the row exists if and only if the change
committed (a rolled-back order notifies nobody). Delivering rows to
long-pollers, websockets and kitchen screens, waking them after commit and
pruning old rows is the bus's work (its own module, on top of this table).

Channels are strings: ``restaurant:<id>`` for everything of a restaurant,
``restaurant:<id>:kitchen``, ``:pos`` and ``:management`` for one audience
(:func:`restaurant_channel`), or Odoo's forms (a string, a ``[db, model, id]``
list), stored as compact JSON when they are not plain strings.

Events (``type``) and their payloads:

==========================  ====================================================
order_created               {order_id, name, table_id, company_id, state}
order_status_changed        {order_id, name, old_state, new_state, company_id}
order_paid                  {order_id, name, amount_total, amount_paid,
                             amount_return, company_id}
payment_completed           {order_id, payment_id, payment_method_id, amount,
                             company_id}
kitchen_update              {order_id, line_id (or null: the whole order),
                             old_status, new_status, company_id}
table_status_changed        {table_id, name, old_status, new_status, company_id}
inventory_low               {product_id, name, quantity, threshold, company_id}
inventory_out               {product_id, name, quantity, company_id}
==========================  ====================================================
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import peewee

from . import fields as F
from .base import now_utc

if TYPE_CHECKING:  # pragma: no cover
    from .env import Env

ROLES = ("kitchen", "pos", "management")


class BusBus(peewee.Model):
    id = peewee.AutoField()
    channel = peewee.TextField(index=True)
    message = peewee.TextField()
    create_date = F.Datetime(required=True, index=True)

    class Meta:
        table_name = "bus_bus"


def restaurant_channel(company_id: int, role: str | None = None) -> str:
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown restaurant channel {role!r}")
    return f"restaurant:{company_id}" + (f":{role}" if role else "")


def channel_key(channel: Any) -> str:
    """How a channel is stored: a string as itself, anything else as compact JSON."""
    if isinstance(channel, str):
        return channel
    return orjson.dumps(list(channel)).decode()


async def send(env: "Env", channels: Any, event_type: str, payload: dict[str, Any]) -> None:
    """Queue one notification on each channel, in the caller's transaction."""
    if isinstance(channels, (str, tuple)) or (isinstance(channels, list) and channels
                                             and not isinstance(channels[0], (str, list, tuple))):
        channels = [channels]
    message = orjson.dumps({"type": event_type, "payload": payload}).decode()
    stamp = now_utc()
    rows = [{BusBus.channel: channel_key(channel), BusBus.message: message,
             BusBus.create_date: stamp} for channel in channels]
    if rows:
        await env.cr.run(BusBus.insert_many(rows))


async def send_restaurant(env: "Env", company_id: int, event_type: str, payload: dict[str, Any],
                          roles: tuple[str, ...] = ()) -> None:
    """An event for a restaurant: its general channel plus the listed audiences."""
    channels = [restaurant_channel(company_id)] + [restaurant_channel(company_id, role)
                                                    for role in roles]
    await send(env, channels, event_type, dict(payload, company_id=company_id))
