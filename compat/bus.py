"""The bus's wire shapes, as Odoo's clients and our mobile clients read them.

Rows (``(id, channel, message JSON)``, models/bus.py) are turned into bytes
here without decoding the stored message: the same notification goes to
thousands of clients, and its JSON was made once when it was written.
"""
from __future__ import annotations

from typing import Any, Iterable

import orjson

Row = tuple[int, str, str]

#: What Odoo answers when a client sends anything but strings as channels.
STRING_CHANNELS_ONLY = "bus.Bus only string channels are allowed."

#: Odoo's websocket close codes (``addons/bus/websocket.py`` CloseCode).
CLEAN = 1000
GOING_AWAY = 1001
PROTOCOL_ERROR = 1002
INCORRECT_DATA = 1003
MESSAGE_VIOLATING_POLICY = 1008
MESSAGE_TOO_BIG = 1009
SERVER_ERROR = 1011
TRY_LATER = 1013
SESSION_EXPIRED = 4001
KEEP_ALIVE_TIMEOUT = 4002
#: Ours, for the mobile socket: authenticated but not allowed on this channel.
FORBIDDEN = 4003

#: Odoo's limit on one websocket message (``MESSAGE_MAX_SIZE``).
MESSAGE_MAX_SIZE = 2 ** 20
RESYNC = "bus/resync"


def client_channels(channels: Any) -> list[str]:
    """The channels of a ``subscribe`` or a poll: a list of strings, else Odoo's error."""
    if channels is None:
        return []
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise ValueError(STRING_CHANNELS_ONLY)
    return channels


def client_last(last: Any) -> int:
    """``last`` as clients send it: an int (a float with no fraction is taken too)."""
    if last is None:
        return 0
    if isinstance(last, bool) or not isinstance(last, (int, float)) or last != int(last):
        raise ValueError(f"last must be an integer, not {last!r}")
    return max(int(last), 0)


def odoo_notifications(rows: Iterable[Row], resync: tuple[int, str] | None = None
                       ) -> list[dict[str, Any]]:
    """``[{"id", "message": {"type", "payload"}}]`` (messages kept as stored JSON)."""
    out: list[dict[str, Any]] = []
    if resync is not None:
        out.append({"id": resync[0], "message": {"type": RESYNC,
                                                  "payload": {"reason": resync[1]}}})
    out.extend({"id": row[0], "message": orjson.Fragment(row[2])} for row in rows)
    return out


def odoo_frame(rows: Iterable[Row], resync: tuple[int, str] | None = None) -> bytes:
    """One websocket frame: the JSON array of a dispatch."""
    return orjson.dumps(odoo_notifications(rows, resync))


def mobile_frame(rows: Iterable[Row]) -> bytes:
    """``{"type": "notifications", "notifications": [{"id", "type", "payload"}]}``.

    The stored message is ``{"type": ..., "payload": ...}``; the id is spliced in
    front of its first key rather than decoding and encoding it again."""
    items = b",".join(b'{"id":%d,%s' % (row[0], row[2].encode()[1:]) for row in rows)
    return b'{"type":"notifications","notifications":[' + items + b"]}"


def mobile_message(kind: str, **values: Any) -> bytes:
    return orjson.dumps({"type": kind, **values})
